"""Re-joining wrapped lines: what to do with a hyphen at the end of a line.

Extracted text keeps the line breaks of the printed page. A line that ends in
a hyphen is either a compound that really has one (`NAVO-verdragsgebied`,
`de-escalatie`) or a word the typesetter broke (`nauw-lettend`). The rules,
first match wins, are documented in the README ("Importing old letters").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

# Prefixes that take a hyphen in Dutch whatever follows.
PREFIXES = frozenset({"ex", "niet", "non", "oud", "vice"})
# `de-` takes one before a vowel (de-escalatie); `de-mocratie` is a broken word.
VOWEL_PREFIXES = frozenset({"de"})
# "militaire- en niet-militaire": a hyphen that stands for a left-out part.
CONJUNCTIONS = frozenset({"en", "of", "tot", "noch", "and", "or"})
VOWELS = frozenset("aeiouyáéíóúàèëïöüâêîôû")

SOFT_HYPHEN = "\u00ad"
HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
_WORD = re.compile(r"\w+(?:[-\u2010\u2011]\w+)*")
_TAIL = re.compile(r"(\w+)[-\u2010\u2011\u00ad]$")
_HEAD = re.compile(r"^(\w+)")


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


class Vocabulary:
    """The words of the whole text, to see how a broken word is written elsewhere."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.plain: set[str] = set()
        self.hyphenated: set[str] = set()
        for line in lines:
            words = _WORD.findall(line)
            if words and _TAIL.search(line.rstrip()):
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
        tail = _TAIL.search(before)
        head = _HEAD.match(after)
        if tail is None:  # no hyphen, or a dash standing alone ("beleid -")
            return Decision(Join.SPACE)
        if head is None:  # "2020-" + "(…": nothing to join with
            return Decision(Join.KEEP, reason="no word follows")
        left, right = tail.group(1), head.group(1)
        if right.lower() in CONJUNCTIONS:
            return Decision(Join.SUSPENDED, reason="a left-out part before a conjunction")
        if _norm(f"{left}-{right}").lower() in self.hyphenated:
            return Decision(Join.KEEP, reason="written with a hyphen elsewhere")
        if f"{left}{right}".lower() in self.plain:
            return Decision(Join.DROP, reason="written without a hyphen elsewhere")
        if len(left) == 1 or any(c.isdigit() for c in left + right[:1]):
            return Decision(Join.KEEP, reason="a letter or number before the hyphen")
        if left.isupper():
            return Decision(Join.KEEP, reason="an abbreviation before the hyphen")
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
    left, right = left.rstrip(), right.lstrip()
    if decision.join is Join.SPACE:
        return f"{left} {right}"
    if decision.join is Join.DROP:
        return left[:-1] + right
    if decision.join is Join.SUSPENDED:
        return f"{left} {right}"
    return left + right
