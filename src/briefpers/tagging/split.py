"""An element broken across pages (or lines) is one element again.

WeasyPrint 70 makes one structure element per box, and a box is per page:
a paragraph, list or table that runs over a page break becomes two or three
sibling elements (#2903). Adjacent siblings made for the same HTML element
(equal `/BPKey` hints) of the same type are joined: the first keeps the
others' content, with marked-content references that name their own page.
"""

from __future__ import annotations

from pikepdf import Dictionary

from briefpers.tagging.tree import Tree, as_explicit
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2903, "an element across a page break becomes several elements")


def _merge(tree: Tree, elem: Dictionary) -> None:
    children = tree.kids(elem)
    merged: list = []
    for kid in children:
        prev = merged[-1] if merged else None
        # Keys are the hook's digit strings: equal as text when equal as PDF strings.
        key = tree.hint(kid, "Key")
        if (
            key is not None
            and tree.is_struct(kid)
            and tree.is_struct(prev)
            and key == tree.hint(prev, "Key")
            and tree.role(kid) == tree.role(prev)
        ):
            page, prev_page = tree.page_of(kid), tree.page_of(prev)
            if page is not None and prev_page is not None and page.objgen == prev_page.objgen:
                moved = tree.kids(kid)  # same page: bare MCIDs stay valid
            else:
                moved = [as_explicit(k, page) for k in tree.kids(kid)]
            tree.set_kids(prev, tree.kids(prev) + moved)
            for k in moved:
                if tree.is_struct(k):
                    tree.set_parent(k, prev)
            continue
        merged.append(kid)
    if len(merged) != len(children):
        tree.set_kids(elem, merged)
    for kid in merged:
        if tree.is_struct(kid):
            _merge(tree, kid)


def repair(tree: Tree) -> None:
    for top in tree.struct_kids(tree.root):
        _merge(tree, top)
