"""Reading and editing a structure tree with pikepdf.

`Tree` is what the repairs read and change the tree through; the plain
helpers above it ask pikepdf every time (the tests check Tree against them).
"""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name

from briefpers.errors import RenderError

# Every hint the hook writes starts with this (`/BPKey`, `/BPRole`, …);
# none may survive finishing.
HINT_PREFIX = "/BP"

ObjGen = tuple[int, int]


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


class Tree:
    """The document's structure tree while the repairs run, and what they share.

    Every read through pikepdf costs about a microsecond, and the repairs
    look at each element a dozen times over: so each element is read once
    (its /S, /K, hints and keys), and the repairs read and change the tree
    through this object, which keeps what it read in step with what they
    write. Structure elements are indirect objects (WeasyPrint makes every
    one indirect, and so does `make`), so they are known by their objgen.
    Nothing may change /K, /S or /P of an element behind its back.
    """

    def __init__(self, pdf: pikepdf.Pdf, *, pdf2: bool) -> None:
        self.pdf = pdf
        self.root = pdf.Root.StructTreeRoot
        self.pdf2 = pdf2  # PDF 2.0 output: its namespace and structure types
        self._kids: dict[ObjGen, list] = {}  # element (or the root) → its kids
        self._struct: dict[ObjGen, list] = {}  # … those kids that are elements
        self._refs: dict[ObjGen, list] = {}  # … those that are other dictionaries
        self._array: set[ObjGen] = set()  # elements whose /K is an array
        self._role: dict[ObjGen, str] = {}  # element → its /S ("/P"); every element read
        self._keys: dict[ObjGen, set[str]] = {}  # element → its keys when read
        self._parent: dict[ObjGen, object] = {}  # node → its /P, read when first needed
        self._page: dict[ObjGen, object] = {}  # node → its own /Pg or None, likewise
        self._page_of: dict[ObjGen, object] = {}  # element → `page_of` (until a /P changes)
        self._hints: dict[ObjGen, dict[str, str]] = {}
        self._read_kids(self.root)
        self.elements = self._walk()

    # -- reading (once) ---------------------------------------------------------

    def _read_kids(self, node: Dictionary, has_kids: bool = True) -> list:
        k = node.get("/K") if has_kids else None
        if k is None:
            found = []
        elif isinstance(k, Array):
            found = list(k)
            self._array.add(node.objgen)
        else:
            found = [k]
            self._array.discard(node.objgen)
        return self._remember_kids(node, found)

    def _remember_kids(self, node: Dictionary, found: list) -> list:
        struct, refs = [], []
        for kid in found:
            if isinstance(kid, Dictionary):
                og = kid.objgen
                if og not in self._role and "/S" in kid:
                    self._read_element(kid)
                (struct if og in self._role else refs).append(kid)
        og = node.objgen
        self._kids[og], self._struct[og], self._refs[og] = found, struct, refs
        return found

    def _read_element(self, elem: Dictionary) -> None:
        if not elem.is_indirect:
            raise RenderError("the typeset PDF has a structure element that is a direct object")
        og = elem.objgen
        keys = elem.keys()  # a set
        self._keys[og] = keys
        self._role[og] = str(elem.get("/S"))
        found = {
            k[len(HINT_PREFIX) :]: _text(elem.get(k)) for k in keys if k.startswith(HINT_PREFIX)
        }
        if found:
            self._hints[og] = found
        # pikepdf takes three times as long to say a key is missing as to read it.
        self._read_kids(elem, "/K" in keys)

    def _walk(self) -> list[Dictionary]:
        """Every element reachable from the root, in document order, from what was read."""
        found: list[Dictionary] = []
        stack = self._struct[self.root.objgen][::-1]
        # An element listed twice is walked twice (as `elements` does); a
        # tree whose kids lead back to an ancestor is not walked for ever.
        most = 64 * len(self._role) + 64
        while stack:
            elem = stack.pop()
            found.append(elem)
            if len(found) > most:
                raise RenderError("the typeset PDF's structure tree has a cycle")
            stack.extend(reversed(self._struct[elem.objgen]))
        # Each element with its objgen, for the loops over all of them (an
        # objgen is a pikepdf call each time it is asked for).
        self._entries = [(elem, elem.objgen) for elem in found]
        return found

    def refresh(self) -> list[Dictionary]:
        """The element list again after repairs moved, merged or dropped elements."""
        self.elements = self._walk()
        return self.elements

    # -- what the repairs ask ---------------------------------------------------

    def is_struct(self, obj) -> bool:
        """A structure element (as `is_struct`, for anything in the tree)."""
        return isinstance(obj, Dictionary) and obj.objgen in self._role

    @property
    def entries(self) -> list[tuple[Dictionary, ObjGen]]:
        """`elements`, each with its objgen (for `kids_of`)."""
        return self._entries

    def kids_of(self, og: ObjGen) -> list:
        """`kids` of the element with this objgen."""
        return self._kids[og]

    def kids(self, elem: Dictionary) -> list:
        """An element's (or the root's) kids, as `kids`; do not change the list."""
        return self._kids[elem.objgen]

    def is_array(self, elem: Dictionary) -> bool:
        """Whether an element's /K is an array (not absent, not one object)."""
        return elem.objgen in self._array

    def struct_kids(self, elem: Dictionary) -> list[Dictionary]:
        """The kids that are elements; do not change the list."""
        return self._struct[elem.objgen]

    def references(self, elem: Dictionary) -> list[Dictionary]:
        """The kids that are dictionaries but not elements: marked-content and
        object references (an element, having /S, is neither); do not change the list."""
        return self._refs[elem.objgen]

    def walk(self, elem: Dictionary) -> Iterator[Dictionary]:
        """As `walk`, through what was read."""
        yield elem
        for kid in self.struct_kids(elem):
            yield from self.walk(kid)

    def role(self, elem) -> str | None:
        """An element's structure type as text ("/Link"); None for anything else."""
        if not isinstance(elem, Dictionary):
            return None
        return self._role.get(elem.objgen)

    def has_key(self, elem: Dictionary, key: str) -> bool:
        """Whether an element had `key` when it was read (keys the repairs add are not seen)."""
        return key in self._keys.get(elem.objgen, ())

    def hint(self, elem: Dictionary, key: str) -> str | None:
        """A hint's value as text (`tree.hint(e, "Role")` reads `/BPRole`)."""
        if not isinstance(elem, Dictionary):  # an MCID or a reference among kids
            return None
        return self._hints.get(elem.objgen, {}).get(key)

    def hinted_with(self, key: str) -> list[tuple[Dictionary, str]]:
        """(element, value) for every element with hint `key`, in document order."""
        hints = self._hints
        return [
            (elem, found[key])
            for elem, og in self._entries
            if (found := hints.get(og)) is not None and key in found
        ]

    def with_role(self, *roles: str) -> list[Dictionary]:
        """The elements of these structure types ("/TH"), in document order."""
        role = self._role
        return [elem for elem, og in self._entries if role[og] in roles]

    def with_key(self, key: str) -> list[Dictionary]:
        """The elements that have `key` (as `has_key`), in document order."""
        keys = self._keys
        return [elem for elem, og in self._entries if key in keys[og]]

    def hinted(self) -> bool:
        """Whether the hook's hints arrived at all."""
        return bool(self._hints)

    def _get(self, node: Dictionary, key: str):
        """node.get(key), without asking pikepdf for a key the node did not have."""
        keys = self._keys.get(node.objgen) if node.is_indirect else None
        return None if keys is not None and key not in keys else node.get(key)

    def parent(self, node: Dictionary):
        """A node's /P (None where it has none)."""
        if not node.is_indirect:
            return node.get("/P")
        og = node.objgen
        if og not in self._parent:
            self._parent[og] = self._get(node, "/P")
        return self._parent[og]

    def own_page(self, elem: Dictionary):
        """An element's own /Pg (None where it has none)."""
        og = elem.objgen
        if og not in self._page:
            self._page[og] = self._get(elem, "/Pg")
        return self._page[og]

    def page_of(self, elem: Dictionary):
        """As `page_of`, with each node's /Pg and /P read once and each element's
        answer kept until a /P changes."""
        if not elem.is_indirect:
            return self._find_page(elem)
        og = elem.objgen
        if og not in self._page_of:
            self._page_of[og] = self._find_page(elem)
        return self._page_of[og]

    def _find_page(self, elem: Dictionary):
        if elem.is_indirect:
            page = self.own_page(elem)
        elif "/Pg" in elem:
            page = elem.Pg
        else:
            page = None
        if page is not None:
            return page
        parent = self.parent(elem)  # its answer is kept too: each ancestor is asked once
        return self.page_of(parent) if isinstance(parent, Dictionary) else None

    def by_id(self) -> dict[str, Dictionary]:
        """HTML id → the first element made for it (its first part when split)."""
        found: dict[str, Dictionary] = {}
        for elem, ident in self.hinted_with("Id"):
            if ident not in found:
                found[ident] = elem
        return found

    # -- what the repairs change ------------------------------------------------

    def set_kids(self, elem: Dictionary, new: list) -> None:
        """Write an element's /K as an array of `new`."""
        elem.K = Array(new)
        role = self._role
        if all(isinstance(k, int) or (isinstance(k, Dictionary) and k.objgen in role) for k in new):
            # MCIDs and indirect elements: what a fresh read would give.
            self._array.add(elem.objgen)
            self._remember_kids(elem, list(new))
        else:  # a direct dictionary: keep the array's own handle to it, as a read gives
            self._read_kids(elem)

    def set_single_kid(self, elem: Dictionary, kid) -> None:
        """Write an element's /K as one object (as WeasyPrint wrote it)."""
        elem.K = kid
        self._read_kids(elem)

    def set_role(self, elem: Dictionary, role: Name) -> None:
        elem.S = role
        self._role[elem.objgen] = str(role)

    def set_key(self, elem: Dictionary, key: str, value) -> None:
        """Write one entry of an element (one `has_key` then sees)."""
        elem[key] = value
        self._keys.setdefault(elem.objgen, set()).add(key)

    def set_parent(self, elem: Dictionary, parent: Dictionary) -> None:
        elem.P = parent
        self._parent[elem.objgen] = parent
        self._page_of.clear()

    def detach(self, elem: Dictionary) -> None:
        """Remove an element from its parent's kids."""
        parent = self.parent(elem)
        if isinstance(parent, Dictionary):
            keep = [k for k in self.kids(parent) if not (self.is_struct(k) and same(k, elem))]
            self.set_kids(parent, keep)

    def insert_after(self, anchor: Dictionary, elem: Dictionary) -> None:
        """Make `elem` the next sibling of `anchor`."""
        parent = self.parent(anchor)
        siblings = self.kids(parent)
        at = next(i for i, k in enumerate(siblings) if self.is_struct(k) and same(k, anchor))
        self.set_kids(parent, [*siblings[: at + 1], elem, *siblings[at + 1 :]])
        self.set_parent(elem, parent)

    def make(self, role: str, parent: Dictionary, kids_: list) -> Dictionary:
        """A new indirect structure element under `parent` (not yet in its /K)."""
        elem = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name("/" + role), P=parent, K=Array(kids_))
        )
        og = elem.objgen
        self._role[og] = "/" + role
        self._keys[og] = {"/K", "/P", "/S", "/Type"}
        self._parent[og] = parent
        for kid in kids_:
            if self.is_struct(kid):
                self.set_parent(kid, elem)
        self._read_kids(elem)
        return elem

    def strip_hints(self) -> None:
        """Remove every hint key from the tree's elements: they are private to the build."""
        for elem in self.elements:
            for key in self._hints.get(elem.objgen, ()):
                del elem[HINT_PREFIX + key]
