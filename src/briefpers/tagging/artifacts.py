"""Page furniture is an artifact; content the tree reaches is numbered densely.

WeasyPrint 70 marks the content of page-margin boxes (the running head, the
repeated reference column, "Pagina x van y") as tagged content but links it
to no element of the structure tree (#1836), which PDF/UA forbids. Marked
content that the repaired tree does not reach (margin boxes, dropped table
head copies) becomes `/Artifact` (pagination); the MCIDs that remain are
renumbered 0, 1, … per page.
"""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Array, Dictionary

from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(1836, "page-margin content is tagged but outside the structure tree")

# How WeasyPrint opens marked content: `/Span\n<</MCID 3>>\nBDC`. Its text is
# drawn with hex strings, so the pattern cannot occur inside shown text; a
# regular expression over the stream is ten times faster than parsing it.
MARKED = re.compile(rb"/([A-Za-z0-9_.]+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"


def _marked(tree: Tree, elem: Dictionary, og) -> list:
    """(page objgen, MCID, kid, its index) for the marked content directly in an element:
    its bare MCIDs, then its marked-content references."""
    found = []
    own = None
    for index, kid in enumerate(tree.kids_of(og)):
        if isinstance(kid, int):
            if own is None:
                page = tree.page_of(elem)
                if page is None:
                    continue
                own = page.objgen
            found.append((own, kid, kid, index))
    for kid in tree.references(elem):
        if "/MCID" in kid:
            page = kid.get("/Pg") or tree.page_of(elem)
            found.append((page.objgen, int(kid.MCID), kid, None))
    return found


def _rewrite_pages(pdf: pikepdf.Pdf, reached) -> dict[tuple[int, int], dict[int, int]]:
    """Unreached marked content → Artifact; reached MCIDs renumbered 0, 1, …"""
    renumber: dict[tuple[int, int], dict[int, int]] = {}
    for page in pdf.pages:
        keep = reached.get(page.obj.objgen, set())
        mapping: dict[int, int] = {}

        def rewrite(match: re.Match, keep=keep, mapping=mapping) -> bytes:
            mcid = int(match[2])
            if mcid not in keep:
                return ARTIFACT
            mapping[mcid] = len(mapping)
            return b"/%s <</MCID %d>> BDC" % (match[1], mapping[mcid])

        if isinstance(page.obj.get("/Contents"), Array):
            page.contents_coalesce()
        contents = page.obj.get("/Contents")
        if contents is not None:
            data = contents.read_bytes()
            new = MARKED.sub(rewrite, data)
            if new != data:
                contents.write(new)
        renumber[page.obj.objgen] = mapping
    return renumber


def repair(tree: Tree) -> None:
    reached: dict[tuple[int, int], set[int]] = {}
    marked = [(elem, og, _marked(tree, elem, og)) for elem, og in tree.entries]
    for _, _, found in marked:
        for page, mcid, _, _ in found:
            reached.setdefault(page, set()).add(mcid)
    renumber = _rewrite_pages(tree.pdf, reached)
    for elem, og, found in marked:
        if not found:
            continue
        changed = False
        new = list(tree.kids_of(og))
        for page, mcid, kid, index in found:
            number = renumber.get(page, {}).get(mcid, mcid)
            if number == mcid:
                continue
            if isinstance(kid, int):
                new[index] = number
                changed = True
            else:  # a marked-content reference, changed where it is
                kid.MCID = number
        # /K is written only where a bare MCID changed: rewriting it unchanged
        # (or as one object, as WeasyPrint wrote it) gives the same bytes.
        if changed:
            if tree.is_array(elem):
                tree.set_kids(elem, new)
            else:
                tree.set_single_kid(elem, new[0])
