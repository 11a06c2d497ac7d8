"""The fence around WeasyPrint's tagging: hints in, repairs out.

WeasyPrint 70 writes a structure tree that PDF/UA, PDF/A "a" and WTPDF
reject or that reads badly. Everything briefpers does about it lives here:

- `hints()` (in `hook`): the only code that touches WeasyPrint's private
  tag builder, installed around each render by `briefpers.typeset`;
- `repair(pdf, pdf2=...)`: the repairs, one module each, run by
  `briefpers.archive.finish`. Each names the WeasyPrint issue it works
  around (`WORKAROUND`) and is skipped once the installed WeasyPrint has the
  fix (`Workaround.fixed_in`).

Both stages import this package; neither imports the other.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, String

from briefpers.errors import RenderError
from briefpers.tagging import (
    artifacts,
    descriptions,
    destinations,
    empty,
    lang,
    link_areas,
    lists,
    namespaces,
    notes,
    split,
    table_heads,
)
from briefpers.tagging.hook import hints
from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround, weasyprint_version

__all__ = ["MODULES", "hints", "repair"]

# Every repair module, in the order they run (see `repair`).
MODULES = (
    lang,
    notes,
    descriptions,
    link_areas,
    empty,
    table_heads,
    split,
    lists,
    artifacts,
    destinations,
    namespaces,
)


def active(module, version: tuple[int, ...] | None = None) -> bool:
    """Whether a repair module still has to run with this WeasyPrint."""
    workaround: Workaround = module.WORKAROUND
    return workaround.needed(version or weasyprint_version())


def repair(pdf: pikepdf.Pdf, *, pdf2: bool = False) -> None:
    """Repair the tag tree in place; the hints must be there (RenderError if not)."""
    if "/StructTreeRoot" not in pdf.Root:
        raise RenderError("the typeset PDF has no structure tree: it was not tagged")
    tree = Tree(pdf, pdf2=pdf2)
    if not tree.hinted():
        raise RenderError(
            "the typeset PDF carries no structure hints: it was not rendered through "
            "briefpers.tagging.hints(), so its tag tree cannot be repaired"
        )
    version = weasyprint_version()
    run = {module: active(module, version) for module in MODULES}
    for module in (lang, notes, descriptions, link_areas, empty):
        if run[module]:
            module.repair(tree)
    renamed = table_heads.drop_repeats(tree) if run[table_heads] else {}
    if run[split]:
        split.repair(tree)
    tree.refresh()  # the repairs above moved, dropped and merged elements
    if run[table_heads]:
        table_heads.fix_cells(tree, renamed)
    for module in (lists, artifacts, destinations, namespaces):
        if run[module]:
            module.repair(tree)
    _id_tree(tree)
    tree.strip_hints()
    _parent_tree(tree)


def _id_tree(tree: Tree) -> None:
    """Every element /ID must be findable through the structure tree's /IDTree."""
    ids = {str(e.ID): e for e in tree.with_key("/ID")}
    if not ids:
        return
    names = [item for ident in sorted(ids) for item in (String(ident), ids[ident])]
    tree.root.IDTree = Dictionary(Names=Array(names))  # one array made, not grown pair by pair


def _parent_tree(tree: Tree) -> None:
    """The /ParentTree, rebuilt from the final tree: MCIDs per page, then annotations."""
    by_page: dict[tuple[int, int], dict[int, Dictionary]] = {}
    by_annot: dict[int, Dictionary] = {}
    for elem, og in tree.entries:
        own = None  # the page of the element's bare MCIDs, found at the first
        for kid in tree.kids_of(og):
            if isinstance(kid, int):
                if own is None:
                    own = tree.page_of(elem).objgen
                by_page.setdefault(own, {})[kid] = elem
            elif not isinstance(kid, Dictionary) or tree.is_struct(kid):
                continue
            elif "/MCID" in kid:
                page = kid.get("/Pg") or tree.page_of(elem)
                by_page.setdefault(page.objgen, {})[int(kid.MCID)] = elem
            elif kid.get("/Type") == "/OBJR" and "/StructParent" in kid.Obj:
                by_annot[int(kid.Obj.StructParent)] = elem
    nums = []
    for index, page in enumerate(tree.pdf.pages):
        page.obj.StructParents = index
        mcids = by_page.get(page.obj.objgen, {})
        nums += [index, Array([mcids[i] for i in range(len(mcids))])]
    for key in sorted(by_annot):
        nums += [key, by_annot[key]]
    tree.root.ParentTree = tree.pdf.make_indirect(Dictionary(Nums=Array(nums)))
    keys = [nums[i] for i in range(0, len(nums), 2)]
    tree.root.ParentTreeNextKey = (max(keys) + 1) if keys else 0
