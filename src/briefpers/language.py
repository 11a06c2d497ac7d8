"""Languages from CLDR (through Babel): which languages are known, dates in them.

A letter names its language with `xml:lang` (BCP 47: "nl", "nl-BE", "de-CH").
CLDR is the one source of month names and date patterns; briefpers keeps no
tables of its own. A tag CLDR does not know as written ("nl-XX") counts as
its primary language ("nl"); one it does not know at all ("tlh", "x-klingon",
"und") is unknown, and the theme's default language speaks for it
(`Theme.wording`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date

# Tags that name no language (BCP 47 "undetermined", "multiple", "no linguistic
# content", "uncoded"): Babel maps "und" to English, which would be a guess.
NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
# The house style's date, "19 mei 2015", in CLDR's pattern syntax.
DAY_MONTH_YEAR = "d MMMM y"


def primary(tag: str) -> str:
    """The primary language subtag, lower case: "nl-BE" → "nl"."""
    return tag.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=256)
def cldr_locale(tag: str) -> Locale | None:
    """CLDR's locale for a language tag: as written, else its primary
    language; None when CLDR knows neither."""
    if not tag or primary(tag) in NO_LANGUAGE:
        return None
    for candidate in (tag.replace("_", "-"), primary(tag)):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None


# A BCP 47 tag as XML Schema's xs:language writes it: subtags of 1-8 letters or digits.
TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """The language codes CLDR names (ISO 639: "nl", "fy", "nds", "tlh", "und", …)."""
    return frozenset(code for code in Locale("en").languages if "_" not in code)


def is_language_code(tag: str) -> bool:
    """Whether `tag` names a language an archive or a browser understands: its primary
    subtag is a known ISO 639 code ("nl", "en-GB", "tlh"); not "english", "xx" or a
    private-use tag ("x-klingon")."""
    return bool(TAG.fullmatch(tag)) and primary(tag) in language_codes()


def known(tag: str) -> bool:
    """Whether CLDR has dates for this language (as written or its primary language)."""
    return cldr_locale(tag) is not None


def format_date(date: dt.date, tag: str, pattern: str | None = None) -> str:
    """The date in the language `tag`: `pattern` (CLDR syntax, e.g. "d MMMM y"),
    else the language's long date ("19. Mai 2023", "19 mai 2023"). The caller
    passes a language CLDR knows (`Theme.wording` resolves one); never a guess.
    """
    locale = cldr_locale(tag)
    if locale is None:
        raise ValueError(f"CLDR knows no language {tag!r}")
    return _babel_format_date(date, format=pattern or "long", locale=locale)


def check_pattern(pattern: str) -> str | None:
    """Why a date pattern cannot be used, or None if it can."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "must be a non-empty CLDR date pattern such as 'd MMMM y'"
    try:
        sample = _babel_format_date(dt.date(2023, 5, 19), format=pattern, locale="en")
    except (ValueError, KeyError, AttributeError) as exc:
        return f"is not a CLDR date pattern ({exc})"
    if "2023" not in sample and "23" not in sample:
        return "names no year (use y, as in 'd MMMM y')"
    return None


@lru_cache(maxsize=16)
def month_names(tag: str) -> tuple[str, ...]:
    """The twelve month names in a language, lower case as CLDR writes them
    ("januari" … "december"), for reading dates in old letters."""
    locale = cldr_locale(tag)
    if locale is None:
        raise ValueError(f"CLDR knows no language {tag!r}")
    names = locale.months["format"]["wide"]
    return tuple(names[month] for month in range(1, 13))
