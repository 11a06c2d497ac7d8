"""Which changes after a signature `verify` allows: pyHanko's policy, plus tagging.

pyHanko's difference analysis allows a later revision to add a signature
field, but not to touch the structure tree, and a tagged PDF must tag every
new signature widget (`field`). So a second signature on a tagged letter
would make the first look modified. `TaggedSignatureRule` allows exactly what
`field.add_signature_field` writes, checked, not assumed:

- structure elements appended at the end of the document element's (or the
  structure tree root's) kids, each new, a `Form` or `Artifact` whose only kid
  is an object reference to a new signature widget;
- the same elements appended to the `ParentTree` (its `/Nums`, or a new leaf
  at the end of its `/Kids`) under the keys the widgets' `/StructParent` name,
  and `/ParentTreeNextKey` raised;
- nothing else in those objects changed.

It clears them at the form-filling level, the level of the signature field
that comes with them; anything else still counts as a modification.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
)

TAG_TYPES = ("/Form", "/Artifact")


class TaggedSignatureRule(QualifiedWhitelistRule):
    """Clear the structure-tree changes that tag new signature widgets."""

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterable[tuple[ModificationLevel, ReferenceUpdate]]:
        try:
            refs = _tagging_updates(old, new)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            refs = []  # not the shape we write: leave it to the other rules
        for ref in refs:
            yield ModificationLevel.FORM_FILLING, ReferenceUpdate(ref)


def diff_policy() -> StandardDiffPolicy:
    """pyHanko's default policy with `TaggedSignatureRule` added."""
    return StandardDiffPolicy(
        global_rules=[*DEFAULT_DIFF_POLICY.global_rules, TaggedSignatureRule()],
        form_rule=DEFAULT_DIFF_POLICY.form_rule,
    )


def _ref(obj: Any) -> generic.Reference | None:
    return obj.reference if isinstance(obj, generic.IndirectObject) else None


def _shape(obj: Any, depth: int = 0) -> Any:
    """A comparable value: references by number, containers by their contents."""
    if depth > 8:
        return ("deep",)
    if isinstance(obj, generic.IndirectObject):
        return ("ref", obj.idnum, obj.generation)
    if isinstance(obj, generic.DictionaryObject):
        return tuple(sorted((str(k), _shape(obj.raw_get(k), depth + 1)) for k in obj))
    if isinstance(obj, generic.ArrayObject):
        return tuple(_shape(obj.raw_get(i), depth + 1) for i in range(len(obj)))
    return (type(obj).__name__, str(obj))


def _raw_list(owner: generic.DictionaryObject, key: str) -> tuple[list[Any], Any]:
    """The kids under `key` as a list of raw values, and the array's reference if indirect."""
    if key not in owner:
        return [], None
    raw = owner.raw_get(key)
    value = raw.get_object() if isinstance(raw, generic.IndirectObject) else raw
    if isinstance(value, generic.ArrayObject):
        return [value.raw_get(i) for i in range(len(value))], _ref(raw)
    return [raw], None


def _same_except(old: generic.DictionaryObject, new: generic.DictionaryObject, keys) -> bool:
    names = (set(old) | set(new)) - set(keys)
    for k in names:
        if (k in old) != (k in new):
            return False
        if k in old and _shape(old.raw_get(k)) != _shape(new.raw_get(k)):
            return False
    return True


def _parent(tree_ref: generic.Reference, tree: generic.DictionaryObject):
    kids, _ = _raw_list(tree, "/K")
    if len(kids) == 1 and isinstance(kids[0], generic.IndirectObject):
        element = kids[0].get_object()
        if isinstance(element, generic.DictionaryObject) and "/S" in element:
            return kids[0].reference
    return tree_ref


def _tagging_updates(old: HistoricalResolver, new: HistoricalResolver) -> list[generic.Reference]:
    if "/StructTreeRoot" not in old.root or "/StructTreeRoot" not in new.root:
        return []
    tree_ref = _ref(old.root.raw_get("/StructTreeRoot"))
    if tree_ref is None or tree_ref != _ref(new.root.raw_get("/StructTreeRoot")):
        return []
    if tree_ref not in new.explicit_refs_in_revision():
        return []
    old_tree, new_tree = old(tree_ref), new(tree_ref)
    parent_ref = _parent(tree_ref, old_tree)
    if parent_ref != _parent(tree_ref, new_tree):
        return []
    cleared = [tree_ref]
    # The parent's kids: the old ones unchanged, then new tagging elements.
    old_parent = old_tree if parent_ref == tree_ref else old(parent_ref)
    new_parent = new_tree if parent_ref == tree_ref else new(parent_ref)
    old_kids, _ = _raw_list(old_parent, "/K")
    new_kids, kids_ref = _raw_list(new_parent, "/K")
    if [_shape(k) for k in new_kids[: len(old_kids)]] != [_shape(k) for k in old_kids]:
        return []
    added = new_kids[len(old_kids) :]
    if not added or not _same_except(old_parent, new_parent, ("/K",)):
        return []
    if parent_ref != tree_ref:
        cleared.append(parent_ref)
    if kids_ref is not None:
        cleared.append(kids_ref)
    widgets: dict[generic.Reference, generic.Reference] = {}  # element → widget
    for kid in added:
        element_ref = _ref(kid)
        if element_ref is None or _exists(old, element_ref):
            return []
        widget_ref = _tagging_element(new(element_ref), parent_ref)
        if widget_ref is None or _exists(old, widget_ref):
            return []
        widgets[element_ref] = widget_ref
        cleared.append(element_ref)
    # The tree root: only /K (when it is the parent) and /ParentTreeNextKey.
    allowed = ("/ParentTreeNextKey", "/K") if parent_ref == tree_ref else ("/ParentTreeNextKey",)
    if not _same_except(old_tree, new_tree, allowed):
        return []
    keys = _parent_tree_additions(old, new, old_tree, new_tree, cleared)
    # Each new element under exactly one new key (References do not sort).
    if keys is None or len(keys) != len(widgets) or set(keys.values()) != set(widgets):
        return []
    for key, element_ref in keys.items():
        widget = new(widgets[element_ref])
        if widget.get("/StructParent") != key:
            return []
    old_next = int(old_tree.get("/ParentTreeNextKey", 0))
    if min(keys) < old_next or int(new_tree.get("/ParentTreeNextKey", 0)) <= max(keys):
        return []
    return cleared


def _exists(old: HistoricalResolver, ref: generic.Reference) -> bool:
    return old.reader.xrefs.get_historical_ref(ref, old.revision) is not None


def _tagging_element(element: Any, parent_ref: generic.Reference) -> generic.Reference | None:
    """The widget a tagging element points to, or None if it is anything else."""
    if not isinstance(element, generic.DictionaryObject):
        return None
    if element.get("/S") not in TAG_TYPES or _ref(element.raw_get("/P")) != parent_ref:
        return None
    if not _same_keys(element, {"/Type", "/S", "/P", "/Pg", "/K", "/NS"}):
        return None
    objr = element.raw_get("/K")
    if not isinstance(objr, generic.DictionaryObject) or objr.get("/Type") != "/OBJR":
        return None
    widget_ref = _ref(objr.raw_get("/Obj"))
    if widget_ref is None:
        return None
    widget = widget_ref.get_object()
    if widget.get("/Subtype") != "/Widget" or widget.get("/FT") != "/Sig":
        return None
    return widget_ref


def _same_keys(element: generic.DictionaryObject, allowed: set[str]) -> bool:
    return {str(k) for k in element} <= allowed


def _parent_tree_additions(old, new, old_tree, new_tree, cleared) -> dict[int, Any] | None:
    """Key → element reference of what was appended to the ParentTree (None: not only that)."""
    if "/ParentTree" not in old_tree or "/ParentTree" not in new_tree:
        return None
    node_ref = _ref(old_tree.raw_get("/ParentTree"))
    if node_ref is None or node_ref != _ref(new_tree.raw_get("/ParentTree")):
        return None
    old_node, new_node = old(node_ref), new(node_ref)
    added: dict[int, Any] = {}
    if "/Nums" in old_node:
        old_nums, new_nums = list(old_node["/Nums"]), list(new_node.get("/Nums", []))
        if not _same_except(old_node, new_node, ("/Nums",)):
            return None
        old_raw = [old_node["/Nums"].raw_get(i) for i in range(len(old_nums))]
        new_raw = [new_node["/Nums"].raw_get(i) for i in range(len(new_nums))]
        if [_shape(x) for x in new_raw[: len(old_raw)]] != [_shape(x) for x in old_raw]:
            return None
        pairs = new_raw[len(old_raw) :]
    else:
        old_kids, _ = _raw_list(old_node, "/Kids")
        new_kids, _ = _raw_list(new_node, "/Kids")
        if not _same_except(old_node, new_node, ("/Kids",)):
            return None
        if [_shape(x) for x in new_kids[: len(old_kids)]] != [_shape(x) for x in old_kids]:
            return None
        pairs = []
        for leaf in new_kids[len(old_kids) :]:
            leaf_ref = _ref(leaf)
            if leaf_ref is None or _exists(old, leaf_ref):
                return None
            leaf_obj = new(leaf_ref)
            if not _same_keys(leaf_obj, {"/Nums", "/Limits"}):
                return None
            nums = leaf_obj["/Nums"]
            pairs.extend(nums.raw_get(i) for i in range(len(nums)))
            cleared.append(leaf_ref)
    if len(pairs) % 2:
        return None
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        if not isinstance(key, int) or _ref(value) is None:
            return None
        added[int(key)] = _ref(value)
    if added:
        cleared.append(node_ref)
    return added
