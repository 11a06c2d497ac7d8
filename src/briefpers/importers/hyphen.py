"""Re-joining wrapped lines: what to do with a hyphen at the end of a line.

Extracted text keeps the line breaks of the printed page. A line that ends in
a hyphen is either a compound that really has one (`NAVO-verdragsgebied`,
`de-escalatie`) or a word the typesetter broke (`nauw-lettend`). The rules,
first match wins, are documented in the README ("Importing old letters").

Everything here is linear in the length of the text: a decision looks only at
the word before the break and the word after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

# Prefixes that take a hyphen in Dutch whatever follows.
PREFIXES = frozenset({"ex", "niet", "non", "oud", "vice"})
# `de-` takes one before a vowel (de-escalatie); `de-mocratie` is a broken word.
VOWEL_PREFIXES = frozenset({"de"})
# "militaire- en niet-militaire": a hyphen that stands for a left-out part.
CONJUNCTIONS = frozenset({"en", "of", "tot", "noch", "and", "or"})
VOWELS = frozenset("aeiouyáéíóúàèëïöüâêîôû")
# Both parts in capitals, the first at most this long: an abbreviation ("NAVO-EU").
SHORT_ABBREVIATION = 5

SOFT_HYPHEN = "\u00ad"
HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
_WORD = re.compile(r"\w+(?:[-\u2010\u2011]\w+)*")


class Join(Enum):
    SPACE = "space"  # an ordinary line break: a space
    KEEP = "keep"  # a real hyphen: keep it, no space
    DROP = "drop"  # a typographic break: remove the hyphen, no space
    SUSPENDED = "suspended"  # "militaire- en": keep the hyphen and the space


@dataclass(frozen=True)
class Decision:
    join: Join
    certain: bool = True
    reason: str = ""


@dataclass(frozen=True)
class Doubt:
    """A hyphen kept without certainty: where it stands in the joined text."""

    end: int  # offset just after the word that holds the hyphen
    word: str
    reason: str


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def broken_word(line: str) -> str | None:
    """The word before a hyphen that ends `line` ("NAVO" for "het NAVO-"), else None."""
    if not line or line[-1] not in HYPHENS + SOFT_HYPHEN:
        return None
    start = end = len(line) - 1
    while start > 0 and _word_char(line[start - 1]):
        start -= 1
    return line[start:end] or None


def first_word(line: str) -> str | None:
    """The word that starts `line`, else None."""
    end = 0
    while end < len(line) and _word_char(line[end]):
        end += 1
    return line[:end] or None


class Vocabulary:
    """The words of the whole text, to see how a broken word is written elsewhere."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.plain: set[str] = set()
        self.hyphenated: set[str] = set()
        for line in lines:
            line = line.rstrip()
            words = _WORD.findall(line)
            if words and broken_word(line):
                words = words[:-1]  # the broken fragment is not a word
            for word in words:
                word = word.lower()
                if any(h in word for h in HYPHENS):
                    self.hyphenated.add(_norm(word))
                else:
                    self.plain.add(word)

    def decide(self, before: str, after: str) -> Decision:
        """How to join a line ending in `before` to a line starting with `after`."""
        before, after = before.rstrip(), after.lstrip()
        if not before or not after:
            return Decision(Join.SPACE)
        if before.endswith(SOFT_HYPHEN):
            return Decision(Join.DROP, reason="soft hyphen")
        left = broken_word(before)
        right = first_word(after)
        if left is None:  # no hyphen, or a dash standing alone ("beleid -")
            return Decision(Join.SPACE)
        if right is None:  # "2020-" + "(…": nothing to join with
            return Decision(Join.KEEP, reason="no word follows")
        if right.lower() in CONJUNCTIONS:
            return Decision(Join.SUSPENDED, reason="a left-out part before a conjunction")
        capitals = left.isupper() and len(left) > 1
        if capitals and not right[0].isupper():
            return Decision(Join.KEEP, reason="an abbreviation before the hyphen")
        if _norm(f"{left}-{right}").lower() in self.hyphenated:
            return Decision(Join.KEEP, reason="written with a hyphen elsewhere")
        if f"{left}{right}".lower() in self.plain:
            return Decision(Join.DROP, reason="written without a hyphen elsewhere")
        if len(left) == 1 or any(c.isdigit() for c in left + right[:1]):
            return Decision(Join.KEEP, reason="a letter or number before the hyphen")
        if capitals:  # both parts in capitals: a caps line breaks words too
            if len(left) <= SHORT_ABBREVIATION:
                return Decision(Join.KEEP, reason="an abbreviation before the hyphen")
            return Decision(Join.KEEP, certain=False, reason="a word in capitals")
        if right[0].isupper():
            return Decision(Join.KEEP, reason="a capital after the hyphen")
        low = left.lower()
        if low in PREFIXES or (low in VOWEL_PREFIXES and right[0].lower() in VOWELS):
            return Decision(Join.KEEP, reason=f"the prefix {low}-")
        return Decision(Join.KEEP, certain=False, reason="not known from elsewhere in the text")


def _norm(word: str) -> str:
    for h in HYPHENS[1:]:
        word = word.replace(h, "-")
    return word


def join_pair(left: str, right: str, decision: Decision) -> str:
    """Join two line texts according to a decision."""
    return "".join(_pieces(left.rstrip(), right.lstrip(), decision))


def _pieces(left: str, right: str, decision: Decision) -> tuple[str, ...]:
    if decision.join is Join.DROP:
        return (left[:-1], right)
    if decision.join is Join.KEEP:
        return (left, right)
    return (left, " ", right)  # SPACE, SUSPENDED


def join_lines(lines: Sequence[str], vocab: Vocabulary) -> tuple[str, list[Doubt]]:
    """Join wrapped lines into one text, in time linear in its length.

    Returns the text and the hyphens kept without certainty.
    """
    texts = [line.strip() for line in lines]
    out: list[str] = []
    doubts: list[Doubt] = []
    length = 0
    for i, line in enumerate(texts):
        if i == 0:
            piece = line
        else:
            previous = out.pop()  # the last line, still whole: joining may shorten it
            length -= len(previous)
            decision = vocab.decide(previous, line)
            joined = _pieces(previous, line, decision)
            if not decision.certain:
                left = broken_word(previous) or ""
                right = first_word(line) or ""
                at = length + len(previous) + len(right)
                doubts.append(Doubt(at, f"{left}-{right}", decision.reason))
            out.extend(joined[:-1])
            length += sum(len(p) for p in joined[:-1])
            piece = joined[-1]
        out.append(piece)
        length += len(piece)
    return "".join(out), doubts
