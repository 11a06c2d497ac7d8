"""Reading and editing a structure tree with pikepdf: helpers every repair uses."""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name

# Every hint the hook writes starts with this (`/BPKey`, `/BPRole`, …);
# none may survive finishing.
HINT_PREFIX = "/BP"


def kids(elem: Dictionary) -> list:
    """An element's /K as a list (it may be absent, one object or an array)."""
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def is_struct(obj) -> bool:
    """A structure element (not a marked-content or object reference, not an MCID)."""
    return isinstance(obj, Dictionary) and "/S" in obj


def walk(elem: Dictionary) -> Iterator[Dictionary]:
    """The element and its descendant elements, depth first (document order)."""
    yield elem
    for kid in kids(elem):
        if is_struct(kid):
            yield from walk(kid)


def elements(pdf: pikepdf.Pdf) -> list[Dictionary]:
    """Every element reachable from the structure tree root, in document order."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    return [e for top in kids(root) if is_struct(top) for e in walk(top)]


def page_of(elem: Dictionary):
    """The page of an element's bare MCIDs: its own /Pg or an ancestor's."""
    node = elem
    while isinstance(node, Dictionary):
        if "/Pg" in node:
            return node.Pg
        node = node.get("/P")
    return None


def as_explicit(kid, page):
    """A bare MCID moved to another element must name its page (an MCR)."""
    if isinstance(kid, int) and page is not None:
        return Dictionary(Type=Name.MCR, Pg=page, MCID=kid)
    return kid


def same(a, b) -> bool:
    """The same indirect object (pikepdf compares dictionaries by value)."""
    return a.is_indirect and b.is_indirect and a.objgen == b.objgen


def detach(elem: Dictionary) -> None:
    """Remove an element from its parent's kids."""
    parent = elem.get("/P")
    if isinstance(parent, Dictionary):
        parent.K = Array([k for k in kids(parent) if not (is_struct(k) and same(k, elem))])


def insert_after(anchor: Dictionary, elem: Dictionary) -> None:
    """Make `elem` the next sibling of `anchor`."""
    parent = anchor.P
    siblings = kids(parent)
    at = next(i for i, k in enumerate(siblings) if is_struct(k) and same(k, anchor))
    parent.K = Array([*siblings[: at + 1], elem, *siblings[at + 1 :]])
    elem.P = parent


def attributes(elem: Dictionary) -> list[Dictionary]:
    """An element's attribute dictionaries (/A may be one or an array)."""
    attrs = elem.get("/A")
    if isinstance(attrs, Dictionary):
        return [attrs]
    if isinstance(attrs, Array):
        return [a for a in attrs if isinstance(a, Dictionary)]
    return []


def add_attributes(elem: Dictionary, attrs: Dictionary) -> None:
    """Add one attribute dictionary (owner /O) to an element's /A."""
    existing = attributes(elem)
    elem.A = attrs if not existing else Array([*existing, attrs])


def _text(value) -> str:
    return str(value).removeprefix("/") if isinstance(value, Name) else str(value)


def strip_hints(elems: list[Dictionary]) -> None:
    """Remove every hint key: they are private to the build."""
    for elem in elems:
        for key in [k for k in elem if k.startswith(HINT_PREFIX)]:
            del elem[key]


class Tree:
    """The document's structure tree while the repairs run, and what they share.

    Walking pikepdf objects is what costs time, so the element list is walked
    once at the start and once after the repairs that change which elements
    the tree holds (`refresh`), and the hints are read once (`hint`).
    """

    def __init__(self, pdf: pikepdf.Pdf, *, pdf2: bool) -> None:
        self.pdf = pdf
        self.root = pdf.Root.StructTreeRoot
        self.pdf2 = pdf2  # PDF 2.0 output: its namespace and structure types
        self.elements = elements(pdf)
        self._hints: dict[tuple[int, int], dict[str, str]] = {}
        for elem in self.elements:
            found = {
                k[len(HINT_PREFIX) :]: _text(v)
                for k, v in elem.items()
                if k.startswith(HINT_PREFIX)
            }
            if found:
                self._hints[elem.objgen] = found

    def refresh(self) -> list[Dictionary]:
        """Walk the tree again after repairs moved, merged or dropped elements."""
        self.elements = elements(self.pdf)
        return self.elements

    def hint(self, elem: Dictionary, key: str) -> str | None:
        """A hint's value as text (`tree.hint(e, "Role")` reads `/BPRole`)."""
        if not isinstance(elem, Dictionary):  # an MCID or a reference among kids
            return None
        return self._hints.get(elem.objgen, {}).get(key)

    def hinted(self) -> bool:
        """Whether the hook's hints arrived at all."""
        return bool(self._hints)

    def by_id(self) -> dict[str, Dictionary]:
        """HTML id → the first element made for it (its first part when split)."""
        found: dict[str, Dictionary] = {}
        for elem in self.elements:
            ident = self.hint(elem, "Id")
            if ident is not None and ident not in found:
                found[ident] = elem
        return found

    def make(self, role: str, parent: Dictionary, kids_: list) -> Dictionary:
        """A new indirect structure element under `parent` (not yet in its /K)."""
        elem = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + role), P=parent, K=Array(kids_))
        )
        for kid in kids_:
            if is_struct(kid):
                kid.P = elem
        return elem
