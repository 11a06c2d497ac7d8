"""The signature field, tagged: PDF/A and PDF/UA hold after signing.

pyHanko creates a signature field as a bare widget; a tagged PDF needs more.
`add_signature_field` adds, in the writer's incremental update:

- a merged field and widget annotation (`/FT /Sig`) on the first page, with
  a zero `/Rect` (invisible; PDF/A exempts such an annotation from needing an
  appearance) and `/F 4` (Print: PDF/A forbids Hidden and NoView), `/TU` (the
  description assistive technology reads, PDF/UA 7.18.1) and `/Contents`;
- a `Form` structure element (in the same namespace as its parent) whose
  only kid is an object reference to the widget (PDF/UA 7.18.4), appended
  to the document element, and a `ParentTree` entry that leads from the
  widget's `/StructParent` back to it;
- the page's tab order `/Tabs /S` (PDF/UA 7.18.3) and the field in the
  AcroForm's `/Fields`.

A file without a structure tree (not ours, not tagged) gets the field only.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import BasePdfFileWriter

# What the field is, for a screen reader, in the letter's language (catalog /Lang).
_SIGNATURE = {
    "nl": "Digitale handtekening van {who}",
    "en": "Digital signature of {who}",
    "de": "Digitale Signatur von {who}",
    "fr": "Signature numérique de {who}",
}
_TIMESTAMP = {
    "nl": "Tijdstempel van het document",
    "en": "Document timestamp",
    "de": "Zeitstempel des Dokuments",
    "fr": "Horodatage du document",
}
PRINT = 4  # annotation flag: printed, never Hidden or NoView (PDF/A 6.3.2)
MAX_TREE_DEPTH = 32  # a number tree deeper than this is not one we walk


def language(writer: BasePdfFileWriter) -> str:
    """The document's primary language subtag (catalog /Lang), default English."""
    lang = writer.root.get("/Lang")
    primary = str(lang).split("-")[0].lower() if lang is not None else ""
    return primary if primary in _SIGNATURE else "en"


def signature_description(writer: BasePdfFileWriter, who: str) -> str:
    return _SIGNATURE[language(writer)].format(who=who)


def timestamp_description(writer: BasePdfFileWriter) -> str:
    return _TIMESTAMP[language(writer)]


def field_names(writer: BasePdfFileWriter) -> set[str]:
    """The names of the form's top-level fields."""
    form = writer.root.get("/AcroForm")
    if form is None:
        return set()
    names = set()
    for ref in form.get_object().get("/Fields", ()):
        name = ref.get_object().get("/T")
        if name is not None:
            names.add(str(name))
    return names


def unique_name(writer: BasePdfFileWriter, base: str) -> str:
    """`base`, or `base-2`, `base-3`, …: a name no field of the form has yet."""
    taken = field_names(writer)
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def add_signature_field(writer: BasePdfFileWriter, name: str, description: str) -> None:
    """Add an empty, invisible, tagged signature field `name` (see the module's docstring)."""
    page_ref = writer.find_page_for_modification(0)[0]
    page = page_ref.get_object()
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Sig"),
            pdf_name("/T"): generic.TextStringObject(name),
            pdf_name("/TU"): generic.TextStringObject(description),
            pdf_name("/Contents"): generic.TextStringObject(description),
            pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            pdf_name("/F"): generic.NumberObject(PRINT),
            pdf_name("/P"): page_ref,
        }
    )
    widget_ref = writer.add_object(widget)
    _add_to_form(writer, widget_ref)
    writer.register_annotation(page_ref, widget_ref)
    if page.get("/Tabs") != "/S":
        page[pdf_name("/Tabs")] = pdf_name("/S")
        writer.mark_update(page_ref)
    key = _tag(writer, widget_ref, page_ref)
    if key is not None:
        widget[pdf_name("/StructParent")] = generic.NumberObject(key)


def _add_to_form(writer: BasePdfFileWriter, widget_ref: generic.IndirectObject) -> None:
    root = writer.root
    if "/AcroForm" not in root:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    form_ref = root.raw_get("/AcroForm")
    form = form_ref.get_object()
    if "/Fields" not in form:
        form[pdf_name("/Fields")] = generic.ArrayObject()
    fields = form["/Fields"]
    fields.append(widget_ref)
    writer.update_container(fields)
    if isinstance(form_ref, generic.IndirectObject):
        writer.mark_update(form_ref)
    else:
        writer.update_root()


def _tag(writer: BasePdfFileWriter, widget_ref: generic.IndirectObject, page_ref) -> int | None:
    """Add the Form element and its ParentTree entry; its key, or None if untagged."""
    root = writer.root
    if "/StructTreeRoot" not in root:
        return None
    tree_ref = root.raw_get("/StructTreeRoot")
    tree = tree_ref.get_object()
    parent_ref, parent = _document_element(tree_ref, tree)
    # PDF/UA-2 (8.9.2.4.13): a widget of zero size is an artifact; PDF 2.0 has
    # the structure type for it. PDF 1.7 has none: a Form element (PDF/UA-1).
    kind = "/Artifact" if writer.prev.input_version >= (2, 0) else "/Form"
    form = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/StructElem"),
            pdf_name("/S"): pdf_name(kind),
            pdf_name("/P"): parent_ref,
            pdf_name("/Pg"): page_ref,
            pdf_name("/K"): generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/OBJR"),
                    pdf_name("/Obj"): widget_ref,
                    pdf_name("/Pg"): page_ref,
                }
            ),
        }
    )
    if "/NS" in parent:
        form[pdf_name("/NS")] = parent.raw_get("/NS")  # PDF 2.0: its parent's namespace
    form_ref = writer.add_object(form)
    _append_kid(writer, parent_ref, parent, form_ref)
    key = _next_key(tree)
    _add_to_parent_tree(writer, tree_ref, tree, key, form_ref)
    tree[pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.mark_update(tree_ref)
    return key


def _document_element(tree_ref, tree: generic.DictionaryObject):
    """The one element under the structure tree root (Document), else the root itself."""
    kids = tree.raw_get("/K") if "/K" in tree else None
    if isinstance(kids, generic.IndirectObject):
        kids_obj = kids.get_object()
        if isinstance(kids_obj, generic.DictionaryObject):
            return kids, kids_obj
    if isinstance(kids, generic.ArrayObject) and len(kids) == 1:
        only = kids.raw_get(0)
        if isinstance(only, generic.IndirectObject) and isinstance(
            only.get_object(), generic.DictionaryObject
        ):
            return only, only.get_object()
    return tree_ref, tree


def _append_kid(writer: BasePdfFileWriter, parent_ref, parent, kid_ref) -> None:
    kids = parent.raw_get("/K") if "/K" in parent else None
    if isinstance(kids, generic.IndirectObject) and isinstance(
        kids.get_object(), generic.ArrayObject
    ):
        kids.get_object().append(kid_ref)
        writer.mark_update(kids)
        return
    if isinstance(kids, generic.ArrayObject):
        kids.append(kid_ref)
    elif kids is None:
        parent[pdf_name("/K")] = generic.ArrayObject([kid_ref])
    else:
        parent[pdf_name("/K")] = generic.ArrayObject([kids, kid_ref])
    writer.mark_update(parent_ref)


def _next_key(tree: generic.DictionaryObject) -> int:
    """A ParentTree key above every key in use (and at least ParentTreeNextKey)."""
    given = tree.get("/ParentTreeNextKey")
    highest = -1
    if "/ParentTree" in tree:
        highest = _highest_key(tree["/ParentTree"], 0)
    return max(int(given) if isinstance(given, int) else 0, highest + 1)


def _highest_key(node, depth: int) -> int:
    if depth > MAX_TREE_DEPTH or not isinstance(node, generic.DictionaryObject):
        return -1
    highest = -1
    nums = node.get("/Nums")
    if isinstance(nums, generic.ArrayObject):
        keys = [nums[i] for i in range(0, len(nums), 2)]
        highest = max([int(k) for k in keys if isinstance(k, int)], default=-1)
    for kid in node.get("/Kids", ()) or ():
        highest = max(highest, _highest_key(kid.get_object(), depth + 1))
    return highest


def _add_to_parent_tree(writer: BasePdfFileWriter, tree_ref, tree, key: int, value) -> None:
    number = generic.NumberObject(key)
    if "/ParentTree" not in tree:
        tree[pdf_name("/ParentTree")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Nums"): generic.ArrayObject([number, value])})
        )
        return
    node_ref = tree.raw_get("/ParentTree")
    node = node_ref.get_object()
    if "/Kids" in node:
        # The new key is the highest: a leaf of its own at the end of the root's kids.
        leaf = generic.DictionaryObject(
            {
                pdf_name("/Nums"): generic.ArrayObject([number, value]),
                pdf_name("/Limits"): generic.ArrayObject([number, number]),
            }
        )
        node["/Kids"].append(writer.add_object(leaf))
    else:
        if "/Nums" not in node:
            node[pdf_name("/Nums")] = generic.ArrayObject()
        node["/Nums"].extend([number, value])
    if isinstance(node_ref, generic.IndirectObject):
        writer.mark_update(node_ref)
