"""An element broken across pages (or lines) is one element again.

WeasyPrint 70 makes one structure element per box, and a box is per page:
a paragraph, list or table that runs over a page break becomes two or three
sibling elements (#2903). Adjacent siblings made for the same HTML element
(equal `/BPKey` hints) of the same type are joined: the first keeps the
others' content, with marked-content references that name their own page.
"""

from __future__ import annotations

from pikepdf import Array, Dictionary

from briefpers.tagging.tree import Tree, as_explicit, is_struct, kids, page_of
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2903, "an element across a page break becomes several elements")


def _merge(elem: Dictionary) -> None:
    children = kids(elem)
    merged: list = []
    for kid in children:
        prev = merged[-1] if merged else None
        if (
            is_struct(kid)
            and is_struct(prev)
            and "/BPKey" in kid
            and kid.get("/BPKey") == prev.get("/BPKey")
            and kid.S == prev.S
        ):
            page, prev_page = page_of(kid), page_of(prev)
            if page is not None and prev_page is not None and page.objgen == prev_page.objgen:
                moved = kids(kid)  # same page: bare MCIDs stay valid
            else:
                moved = [as_explicit(k, page) for k in kids(kid)]
            prev.K = Array(kids(prev) + moved)
            for k in moved:
                if is_struct(k):
                    k.P = prev
            continue
        merged.append(kid)
    if len(merged) != len(children):
        elem.K = Array(merged)
    for kid in merged:
        if is_struct(kid):
            _merge(kid)


def repair(tree: Tree) -> None:
    for top in kids(tree.root):
        if is_struct(top):
            _merge(top)
