"""Passages in another language carry their own `/Lang`.

WeasyPrint 70 writes the document's language on the catalog only; an
element's own `lang` (a French phrase in a Dutch letter, an English annex) is
lost, and a screen reader pronounces it as Dutch. No dedicated upstream
issue; tracked under the PDF/UA umbrella issue #2482.
"""

from __future__ import annotations

from pikepdf import String

from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "an element's own lang is not written to its structure element")


def repair(tree: Tree) -> None:
    for elem, lang in tree.hinted_with("Lang"):
        elem.Lang = String(lang)
