"""A table head repeated on every page is content once, and header cells scope.

WeasyPrint 70 repeats a table's `thead` on each page the table runs over
and tags every copy as a new `THead` in a new `Table` (#2903): a screen
reader hears the column heads again on each page, and data cells point at
the copies' header ids. Here the first head stays; its copies leave the
tree (so they become artifacts, see `artifacts`), and data cells point at
the first head's cells. Header cells get the `Scope` that PDF/UA expects
(WeasyPrint writes none; tracked under the PDF/UA umbrella issue #2482).
"""

from __future__ import annotations

from pikepdf import Array, Dictionary, Name, String

from briefpers.tagging.tree import Tree, attributes, detach, walk
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2903, "a table across pages repeats its head as new elements")
REPEATED = (Name.THead, Name.TFoot)


def _header_cells(elem: Dictionary) -> list[Dictionary]:
    return [e for e in walk(elem) if e.S == Name.TH and "/ID" in e]


def drop_repeats(tree: Tree) -> dict[str, str]:
    """Detach every copy of a head or foot; return copied cell id → kept cell id."""
    renamed: dict[str, str] = {}
    first: dict[str, Dictionary] = {}
    for elem in tree.elements:
        key = tree.hint(elem, "Key")
        if elem.S not in REPEATED or key is None:
            continue
        if key not in first:
            first[key] = elem
            continue
        for copy, kept in zip(_header_cells(elem), _header_cells(first[key]), strict=False):
            renamed[str(copy.ID)] = str(kept.ID)
        detach(elem)
    return renamed


def fix_cells(tree: Tree, renamed: dict[str, str]) -> None:
    """Header cells get a Scope; data cells point at the kept header ids."""
    for elem in tree.elements:
        if elem.S == Name.TH:
            group = elem.get("/P", {}).get("/P", {})
            in_head = isinstance(group, Dictionary) and group.get("/S") == Name.THead
            for attrs in attributes(elem):
                attrs.Scope = Name.Column if in_head else Name.Row
        if renamed:
            for attrs in attributes(elem):
                if "/Headers" in attrs:
                    attrs.Headers = Array(
                        [String(renamed.get(str(h), str(h))) for h in attrs.Headers]
                    )
