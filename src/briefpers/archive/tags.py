"""Repairs to WeasyPrint's tag tree for PDF/UA-1, using the hints from
`briefpers.structure_hints`.

1. Footnotes become `Note` (with a unique `/ID`, listed in the `/IDTree`)
   whose number is a `Lbl`, moved from the page-foot area to just after
   the `Link` of their call, where a reader expects them.
2. Empty elements (line breaks, the signature space) are dropped.
3. Elements split by page or line breaks (equal `/BPKey`, adjacent siblings)
   become one element again, so a paragraph across pages is one `P`; a table
   head repeated on later pages is kept once (the repeats become artifacts).
4. Marked content that the tree does not reach — WeasyPrint's page-margin
   boxes: the running head, the repeated reference column, "Pagina x van y" —
   becomes `/Artifact` (pagination), and the MCIDs are renumbered densely.
5. The `/ParentTree` is rebuilt from the final tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name, String

HINT_KEYS = ("/BPKey", "/BPRole", "/BPTarget", "/BPTitle")
REPEATED = (Name.THead, Name.TFoot)


def _kids(elem: Dictionary) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _is_struct(obj) -> bool:
    return isinstance(obj, Dictionary) and "/S" in obj


def _walk(elem: Dictionary) -> Iterator[Dictionary]:
    yield elem
    for kid in _kids(elem):
        if _is_struct(kid):
            yield from _walk(kid)


def _pg(elem: Dictionary):
    """The page of an element's bare MCIDs: its own /Pg or an ancestor's."""
    node = elem
    while isinstance(node, Dictionary):
        if "/Pg" in node:
            return node.Pg
        node = node.get("/P")
    return None


def _as_explicit(kid, page):
    """A bare MCID moved to another element must name its page (an MCR)."""
    if isinstance(kid, int) and page is not None:
        return Dictionary(Type=Name.MCR, Pg=page, MCID=kid)
    return kid


def _cells(elem: Dictionary) -> list[Dictionary]:
    return [e for e in _walk(elem) if e.S == Name.TH and "/ID" in e]


def _merge_split_siblings(elem: Dictionary, renamed: dict[str, str]) -> None:
    """Join adjacent children that came from one HTML element, recursively.

    `renamed` collects the header-cell ids of dropped repeated table heads,
    mapped to the ids of the first head's cells.
    """
    kids = _kids(elem)
    merged: list = []
    seen_repeats: set = set()
    for kid in kids:
        prev = merged[-1] if merged else None
        if _is_struct(kid) and kid.S in REPEATED and "/BPKey" in kid:
            # A table head repeated on each page: the first is content, the
            # repeats are pagination (dropped here, so they become artifacts).
            key = str(kid.BPKey)
            if key in seen_repeats:
                first = next(m for m in merged if _is_struct(m) and m.get("/BPKey") == kid.BPKey)
                for dup, cell in zip(_cells(kid), _cells(first), strict=False):
                    renamed[str(dup.ID)] = str(cell.ID)
                continue
            seen_repeats.add(key)
        if (
            _is_struct(kid)
            and _is_struct(prev)
            and "/BPKey" in kid
            and kid.get("/BPKey") == prev.get("/BPKey")
            and kid.S == prev.S
        ):
            page, prev_page = _pg(kid), _pg(prev)
            if page is not None and prev_page is not None and page.objgen == prev_page.objgen:
                moved = _kids(kid)  # same page: bare MCIDs stay valid
            else:
                moved = [_as_explicit(k, page) for k in _kids(kid)]
            prev.K = Array(_kids(prev) + moved)
            for k in moved:
                if _is_struct(k):
                    k.P = prev
            continue
        merged.append(kid)
    if len(merged) != len(kids):
        elem.K = Array(merged)
    for kid in merged:
        if _is_struct(kid):
            _merge_split_siblings(kid, renamed)


def _attributes(elem: Dictionary) -> list[Dictionary]:
    attrs = elem.get("/A")
    if isinstance(attrs, Dictionary):
        return [attrs]
    if isinstance(attrs, Array):
        return [a for a in attrs if isinstance(a, Dictionary)]
    return []


def _fix_tables(elems: list[Dictionary], renamed: dict[str, str]) -> None:
    """Header cells get a Scope; data cells point at the kept header ids."""
    for elem in elems:
        if elem.S == Name.TH:
            parent = elem.get("/P")
            in_head = isinstance(parent, Dictionary) and parent.get("/P", {}).get("/S") == "/THead"
            for attrs in _attributes(elem):
                attrs.Scope = Name.Column if in_head else Name.Row
        for attrs in _attributes(elem):
            if "/Headers" in attrs and renamed:
                attrs.Headers = Array([String(renamed.get(str(h), str(h))) for h in attrs.Headers])


def _notes(elems: list[Dictionary]) -> list[tuple[str, Dictionary]]:
    """Footnotes → Note with an /ID; their labels → Lbl. Returns (id, elem)."""
    notes = []
    for elem in elems:
        role = elem.get("/BPRole")
        if role == "/note":
            elem.S = Name.Note
            ident = f"note-{len(notes) + 1}"
            elem.ID = String(ident)
            notes.append((ident, elem))
        elif role == "/note-label":
            elem.S = Name.Lbl
    return notes


def _detach(elem: Dictionary) -> None:
    parent = elem.get("/P")
    if not isinstance(parent, Dictionary):
        return
    parent.K = Array([k for k in _kids(parent) if not (_is_struct(k) and k.objgen == elem.objgen)])


def _move_notes_to_calls(elems: list[Dictionary], notes: list[tuple[str, Dictionary]]) -> None:
    """Put each Note right after the Link that calls it."""
    calls = {str(e.BPTarget): e for e in elems if "/BPTarget" in e}
    for ident, note in notes:
        call = calls.get(ident)
        parent = call.get("/P") if call is not None else None
        if not isinstance(parent, Dictionary):
            continue
        _detach(note)
        kids = _kids(parent)
        at = next(i for i, k in enumerate(kids) if _is_struct(k) and k.objgen == call.objgen)
        parent.K = Array([*kids[: at + 1], note, *kids[at + 1 :]])
        note.P = parent


def _describe_links(elems: list[Dictionary]) -> None:
    """A link annotation's /Contents is its description (PDF/UA 7.18.5): the
    HTML title where there is one ("Voetnoot 3"), not WeasyPrint's target id."""
    for elem in elems:
        if elem.S != "/Link" or "/BPTitle" not in elem:
            continue
        for kid in _kids(elem):
            if isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                kid.Obj.Contents = String(str(elem.BPTitle))


def _prune_empty(elem: Dictionary) -> bool:
    """Drop descendants without content; True when `elem` itself is empty."""
    kids = _kids(elem)
    kept = [k for k in kids if not (_is_struct(k) and _prune_empty(k))]
    if len(kept) != len(kids):
        elem.K = Array(kept)
    return not kept and "/Alt" not in elem


def _reached(elems: list[Dictionary]) -> dict[tuple[int, int], set[int]]:
    """(page objgen) → MCIDs that the structure tree reaches."""
    reached: dict[tuple[int, int], set[int]] = {}
    for elem in elems:
        for kid in _kids(elem):
            if isinstance(kid, int):
                page = _pg(elem)
                if page is not None:
                    reached.setdefault(page.objgen, set()).add(kid)
            elif isinstance(kid, Dictionary) and "/MCID" in kid:
                page = kid.get("/Pg") or _pg(elem)
                reached.setdefault(page.objgen, set()).add(int(kid.MCID))
    return reached


# How WeasyPrint opens marked content: `/Span\n<</MCID 3>>\nBDC`. Its text is
# drawn with hex strings, so the pattern cannot occur inside shown text; a
# regular expression over the stream is ten times faster than parsing it.
MARKED = re.compile(rb"/([A-Za-z0-9_.]+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"


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


def _apply_renumbering(elems: list[Dictionary], renumber) -> None:
    for elem in elems:
        kids = _kids(elem)
        new = []
        for kid in kids:
            if isinstance(kid, int):
                page = _pg(elem)
                kid = renumber.get(page.objgen, {}).get(kid, kid) if page is not None else kid
            elif isinstance(kid, Dictionary) and "/MCID" in kid:
                page = kid.get("/Pg") or _pg(elem)
                kid.MCID = renumber.get(page.objgen, {}).get(int(kid.MCID), int(kid.MCID))
            new.append(kid)
        if "/K" in elem and isinstance(elem.K, Array):
            elem.K = Array(new)
        elif new:
            elem.K = new[0]


def _rebuild_parent_tree(pdf: pikepdf.Pdf, elems: list[Dictionary]) -> None:
    by_page: dict[tuple[int, int], dict[int, Dictionary]] = {}
    by_annot: dict[int, Dictionary] = {}
    for elem in elems:
        for kid in _kids(elem):
            if isinstance(kid, int):
                page = _pg(elem)
                by_page.setdefault(page.objgen, {})[kid] = elem
            elif isinstance(kid, Dictionary) and "/MCID" in kid:
                page = kid.get("/Pg") or _pg(elem)
                by_page.setdefault(page.objgen, {})[int(kid.MCID)] = elem
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                annot = kid.Obj
                if "/StructParent" in annot:
                    by_annot[int(annot.StructParent)] = elem
    nums = []
    for index, page in enumerate(pdf.pages):
        page.obj.StructParents = index
        mcids = by_page.get(page.obj.objgen, {})
        nums += [index, Array([mcids[i] for i in range(len(mcids))])]
    for key in sorted(by_annot):
        nums += [key, by_annot[key]]
    tree_root = pdf.Root.StructTreeRoot
    tree_root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    keys = [nums[i] for i in range(0, len(nums), 2)]
    tree_root.ParentTreeNextKey = (max(keys) + 1) if keys else 0


def repair(pdf: pikepdf.Pdf) -> None:
    """Fix the tag tree in place (see the module docstring)."""
    tree_root = pdf.Root.get("/StructTreeRoot")
    if tree_root is None:
        return
    tops = [k for k in _kids(tree_root) if _is_struct(k)]
    # Element lists are collected once before and once after the structural
    # changes: walking pikepdf objects is the expensive part.
    before = [e for top in tops for e in _walk(top)]
    notes = _notes(before)
    _move_notes_to_calls(before, notes)
    _describe_links(before)
    renamed: dict[str, str] = {}
    for top in tops:
        _prune_empty(top)
        _merge_split_siblings(top, renamed)
    after = [e for top in tops for e in _walk(top)]
    _fix_tables(after, renamed)
    ids = {str(e.ID): e for e in after if "/ID" in e}
    if ids:  # every element /ID must be findable through the IDTree
        names = Array()
        for ident in sorted(ids):
            names.extend([String(ident), ids[ident]])
        tree_root.IDTree = Dictionary(Names=names)
    renumber = _rewrite_pages(pdf, _reached(after))
    _apply_renumbering(after, renumber)
    for elem in after:
        for key in HINT_KEYS:
            if key in elem:
                del elem[key]
    _rebuild_parent_tree(pdf, after)
