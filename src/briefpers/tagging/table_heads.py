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

from briefpers.tagging.tree import Tree, attributes
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2903, "a table across pages repeats its head as new elements")
REPEATED = ("/THead", "/TFoot")
COLUMN, ROW = Name.Column, Name.Row


def _header_cells(tree: Tree, elem: Dictionary) -> list[Dictionary]:
    return [e for e in tree.walk(elem) if tree.role(e) == "/TH" and "/ID" in e]


def drop_repeats(tree: Tree) -> dict[str, str]:
    """Detach every copy of a head or foot; return copied cell id → kept cell id."""
    renamed: dict[str, str] = {}
    first: dict[str, Dictionary] = {}
    for elem in tree.with_role(*REPEATED):
        key = tree.hint(elem, "Key")
        if key is None:
            continue
        if key not in first:
            first[key] = elem
            continue
        for copy, kept in zip(
            _header_cells(tree, elem), _header_cells(tree, first[key]), strict=False
        ):
            renamed[str(copy.ID)] = str(kept.ID)
        tree.detach(elem)
    return renamed


def _in_head(tree: Tree, cell: Dictionary) -> bool:
    """Whether a header cell's row group (its grandparent) is a THead."""
    row = tree.parent(cell)
    group = tree.parent(row) if isinstance(row, Dictionary) else None
    if not isinstance(group, Dictionary):
        return False
    role = tree.role(group)
    return (role if role is not None else group.get("/S")) == "/THead"


def fix_cells(tree: Tree, renamed: dict[str, str]) -> None:
    """Header cells get a Scope; data cells point at the kept header ids."""
    for elem in tree.with_role("/TH"):
        scope = COLUMN if _in_head(tree, elem) else ROW
        for attrs in attributes(elem):
            attrs.Scope = scope
    if renamed:
        for elem in tree.elements:
            for attrs in attributes(elem):
                if "/Headers" in attrs:
                    attrs.Headers = Array(
                        [String(renamed.get(str(h), str(h))) for h in attrs.Headers]
                    )
