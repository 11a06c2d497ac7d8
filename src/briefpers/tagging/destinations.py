"""Links and bookmarks go to structure elements, with a page beside them.

WeasyPrint 70 gives internal links and bookmarks page destinations only
(named ones for links), while PDF/UA-2 and WTPDF (8.8) require structure
destinations. Each internal link and each bookmark becomes a GoTo action
with `/SD` (the target's structure element) and `/D` (an explicit page
destination for readers without PDF 2.0 support); a bookmark also names its
element in `/SE`. Targets: a footnote call → its `Note`; a note's label (or
any link to a call) → the FIRST call of that note; anything else → the
element with that id. No dedicated upstream issue; tracked under the PDF/UA
umbrella issue #2482.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name

from briefpers.errors import RenderError
from briefpers.tagging.notes import calls
from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "links and bookmarks have page destinations only")
# Looked up once: Name's attribute access costs a microsecond.
OBJR, LINK, GOTO, ACTION = Name.OBJR, Name.Link, Name.GoTo, Name.Action


def named_destinations(pdf: pikepdf.Pdf) -> dict[str, Array]:
    """WeasyPrint's named destinations (one per HTML id), as explicit arrays."""
    names = pdf.Root.get("/Names")
    dests = names.get("/Dests") if isinstance(names, Dictionary) else None
    if dests is None:
        return {}
    found = {}
    for name, dest in pikepdf.NameTree(dests).items():
        if isinstance(dest, Dictionary):  # a destination may be wrapped in /D
            dest = dest.get("/D")
        if isinstance(dest, Array):
            found[str(name)] = dest
    return found


def _goto(page_dest: Array, elem: Dictionary) -> Dictionary:
    """GoTo with a page destination and the same view on the structure element."""
    view = list(page_dest)[1:]
    return Dictionary(Type=ACTION, S=GOTO, D=Array(list(page_dest)), SD=Array([elem, *view]))


def _targets(tree: Tree) -> dict[str, tuple[str, Dictionary]]:
    """HTML id → (destination name, element) that a link to that id should open."""
    by_id = tree.by_id()
    links = calls(tree)
    targets = {ident: (ident, elem) for ident, elem in by_id.items()}
    for ident, elem in by_id.items():
        # A link to a call (a note's label links back) opens the note's first call.
        note = tree.hint(elem, "Target")
        if note in links and tree.role(elem) == "/Link":
            first = links[note][0]
            targets[ident] = (tree.hint(first, "Id") or ident, first)
    return targets


def _link_elements(tree: Tree) -> dict[tuple[int, int], Dictionary]:
    """Annotation objgen → the Link element that holds it (through an OBJR)."""
    found = {}
    for elem in tree.elements:
        for kid in tree.references(elem):
            if kid.get("/Type") == OBJR:
                found[kid.Obj.objgen] = elem
    return found


def _links(tree: Tree, targets, dests) -> None:
    holders = _link_elements(tree)
    for page in tree.pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != LINK or "/Dest" not in annot:
                continue
            holder = holders.get(annot.objgen)
            target = tree.hint(holder, "Target") if holder is not None else None
            target = target or str(annot.Dest)
            if target not in targets:
                raise RenderError(f"the link to #{target} has no target in the tag tree")
            name, elem = targets[target]
            if name not in dests:
                raise RenderError(f"the link to #{target} has no destination {name!r}")
            annot.A = _goto(dests[name], elem)
            del annot["/Dest"]


def _outline_items(outlines: Dictionary):
    item = outlines.get("/First")
    while isinstance(item, Dictionary):
        yield item
        yield from _outline_items(item)
        item = item.get("/Next")


def _bookmarks(tree: Tree) -> None:
    outlines = tree.pdf.Root.get("/Outlines")
    if not isinstance(outlines, Dictionary):
        return
    headed = tree.hinted_with("Bookmark")
    used: set[tuple[int, int]] = set()
    for item in _outline_items(outlines):
        dest = item.get("/Dest")
        if not isinstance(dest, Array):
            continue
        title = str(item.Title)
        candidates = [e for e, label in headed if label == title and e.objgen not in used]
        # The element the bookmark was made for starts on the bookmark's page.
        page = dest[0].objgen
        on_page = [
            e for e in candidates if (pg := tree.own_page(e)) is not None and pg.objgen == page
        ]
        elem = (on_page or candidates or [None])[0]
        if elem is None:
            raise RenderError(f"the bookmark {title!r} has no element in the tag tree")
        used.add(elem.objgen)
        item.SE = elem
        item.A = _goto(dest, elem)
        del item["/Dest"]


def repair(tree: Tree) -> None:
    _links(tree, _targets(tree), named_destinations(tree.pdf))
    _bookmarks(tree)
