"""Facts about the printed parliamentary papers (Kamerstukken) both importers use.

A Kamerstuk letter is headed by its dossier (number and title), its number
("Nr. 67"), its document title ("BRIEF VAN DE MINISTER VAN FINANCIËN"), the
recipient line and "Den Haag, <date>"; it has no letterhead, so its sender is
read from the document title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that stay in lower case when a name in capitals is put in normal case.
SMALL_WORDS = frozenset({"en", "van", "voor", "de", "het", "der", "in", "op", "met", "te", "of"})
BRIEF = re.compile(r"^BRIEF\s+VAN\s+(?:DE\s+|HET\s+)?(?P<offices>.+?)\s*$", re.IGNORECASE)
# Several offices in one title: "… VAN X EN DE STAATSSECRETARIS VAN Y",
# "MINISTER-PRESIDENT, MINISTER VAN ALGEMENE ZAKEN".
OFFICE_SPLIT = re.compile(
    r",\s+(?=(?:DE\s+)?(?:MINISTER|STAATSSECRETARIS))|\s+EN\s+(?=DE\s+)", re.IGNORECASE
)
OFFICE = re.compile(
    r"^(?:DE\s+)?(?P<office>MINISTERS?|STAATSSECRETARIS(?:SEN)?|MINISTER-PRESIDENT)"
    r"(?:\s+(?P<prep>VAN|VOOR)\s+(?P<field>.+))?$",
    re.IGNORECASE,
)


def official_dossier(printed: str) -> str:
    """The dossier number in its official form: "35 300 VII" → "35300-VII".

    The printed form groups the digits by thousands; a suffix (a budget
    chapter, a part) follows after a space or a hyphen.
    """
    parts = [p for p in re.split(r"[\s\-–]+", printed.strip()) if p]
    if not parts:
        return printed.strip()
    digits = [parts[0]]
    rest = parts[1:]
    while rest and digits[0].isdigit() and len(rest[0]) == 3 and rest[0].isdigit():
        digits.append(rest.pop(0))
    return "-".join(["".join(digits), *rest])


def same_dossier(a: str, b: str) -> bool:
    """Whether two writings of a dossier number name the same dossier."""
    return official_dossier(a).upper() == official_dossier(b).upper()


def normal_case(name: str, known: Iterable[str] = ()) -> str:
    """A name printed in capitals, in normal case.

    Where the same name occurs in normal case in `known` (e.g. a signatory's
    function "De Minister van Financiën,"), that writing is used; otherwise
    each word gets a capital except the small words ("Justitie en Veiligheid").
    """
    wanted = " ".join(name.split())
    pattern = re.compile(re.escape(wanted).replace(r"\ ", r"\s+"), re.IGNORECASE)
    for text in known:
        match = pattern.search(text)
        if match and not match.group(0).isupper():
            return " ".join(match.group(0).split())
    words = []
    for i, word in enumerate(wanted.split()):
        low = word.lower()
        words.append(low if i and low in SMALL_WORDS else _capitalise(low))
    return " ".join(words)


def _capitalise(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def sender_from_title(title: str, known: Iterable[str] = ()) -> list[str]:
    """The sending organisation(s) named by a document title, else [].

    "BRIEF VAN DE MINISTER VAN FINANCIËN" → ["Ministerie van Financiën"]; a
    state secretary likewise; "MINISTER VOOR RECHTSBESCHERMING" (a minister
    without a ministry of their own) → ["Minister voor Rechtsbescherming"].
    """
    match = BRIEF.match(" ".join(title.split()))
    if match is None:
        return []
    known = list(known)
    found: list[str] = []
    for part in OFFICE_SPLIT.split(match.group("offices")):
        office = OFFICE.match(part.strip())
        if office is None:
            return []
        kind, prep, field = office.group("office"), office.group("prep"), office.group("field")
        if kind.upper() == "MINISTER-PRESIDENT" and not field:
            names = ["Ministerie van Algemene Zaken"]
        elif not field:
            return []
        elif (prep or "").upper() == "VOOR":
            names = [f"Minister voor {normal_case(field, known)}"]
        else:  # "MINISTERS VAN A EN VAN B": one ministry each
            fields = re.split(r"\s+EN\s+VAN\s+", field, flags=re.IGNORECASE)
            names = [f"Ministerie van {normal_case(f, known)}" for f in fields]
        found.extend(name for name in names if name not in found)
    return found
