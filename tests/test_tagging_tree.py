"""The tag repair's view of the tree stays what pikepdf holds.

`briefpers.tagging.tree.Tree` reads each structure element once and the
repairs change the tree through it; after every repair has run, what it
remembers (kids, types, parents, pages, keys) must be what a fresh read of
the finished PDF's objects gives.
"""

from __future__ import annotations

import pytest
from pikepdf import Dictionary

from briefpers import tagging
from briefpers.pipeline import build_letter
from briefpers.tagging.tree import Tree, elements, kids, page_of

from .conftest import CORPUS, EXAMPLES

LETTERS = [*EXAMPLES, *(p for p in CORPUS if p.stem.startswith(("c03", "c04", "c08")))]


def _same(a, b) -> bool:
    if isinstance(a, Dictionary) and isinstance(b, Dictionary):
        return a.objgen == b.objgen if a.is_indirect else a.unparse() == b.unparse()
    return a == b


@pytest.mark.parametrize("profile", ["pdfa-3a-ua1", "pdfa-4f-ua2"])
@pytest.mark.parametrize("source", LETTERS, ids=lambda p: p.stem)
def test_what_the_repairs_remember_is_what_the_pdf_holds(monkeypatch, source, profile) -> None:
    trees: list[Tree] = []

    class Recorded(Tree):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            trees.append(self)

    monkeypatch.setattr(tagging, "Tree", Recorded)
    repair = tagging.repair
    checked: list[int] = []

    def repair_and_compare(pdf, **kwargs) -> None:
        repair(pdf, **kwargs)
        (tree,) = trees  # compared while the PDF is open (finish closes it)
        checked.append(_compare(tree))

    monkeypatch.setattr(tagging, "repair", repair_and_compare)
    build_letter(source, profile=profile)
    assert checked and checked[0] > 10


def _compare(tree: Tree) -> int:
    fresh = elements(tree.pdf)
    assert [e.objgen for e in tree.refresh()] == [e.objgen for e in fresh]
    for elem in fresh:
        remembered = tree.kids(elem)
        assert len(remembered) == len(kids(elem))
        assert all(_same(a, b) for a, b in zip(remembered, kids(elem), strict=True))
        assert tree.role(elem) == str(elem.S)
        assert tree.parent(elem).objgen == elem.P.objgen
        assert _same(tree.page_of(elem), page_of(elem))
        for key in ("/ID", "/Alt", "/K", "/Pg"):
            if tree.has_key(elem, key):
                assert key in elem
        assert not [k for k in elem if k.startswith("/BP")]
    return len(fresh)
