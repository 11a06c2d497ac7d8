"""The one place that touches WeasyPrint's private tag builder.

WeasyPrint 70 builds the structure tree in `weasyprint.pdf.tags.
_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags)`, a
generator that yields the structure elements made for a box and calls itself
(through the module global) for the box's children. While a letter renders,
`hints()` replaces that global with a wrapper that writes onto every element
made for an HTML element what the repairs need and the tree lacks:

- `/BPKey`: which HTML element it came from (equal keys on adjacent siblings
  mean "one element, split by a page or line break", #2903);
- `/BPRole`: our semantic role where HTML has none (`note`, `note-label`);
- `/BPId`: the element's `id` (the target of an internal link);
- `/BPTarget`, `/BPTitle`: an internal link's target id and its description;
- `/BPSize`: a link's font size in points (its text height, see `link_areas`);
- `/BPBookmark`: the label of the bookmark the element starts;
- `/BPList`: a list's kind and marker (`ol decimal`, `ul string`);
- `/BPLang`: the element's own `lang` (WeasyPrint writes only the catalog's).

The repairs (the other modules of this package) read the hints and remove
them. The contract is checked when the wrapper is installed: a WeasyPrint
whose private names or signatures differ stops the build with a
DependencyError naming its version (never a silently weaker tree). The
wrapper is in place only inside `hints()`, acts only for the thread that
installed it, and is verified afterwards (the hints arrived, or RenderError).
"""

from __future__ import annotations

import inspect
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from briefpers.errors import DependencyError, RenderError
from briefpers.tagging.upstream import TESTED, weasyprint_release

# HTML classes (written by briefpers.render) → the role hint they carry.
ROLES = {"footnote": "note", "note-label": "note-label"}
# The private function and the parameter names the wrapper passes through.
BUILDER = "_build_box_tree"
PARAMETERS = ("box", "parent", "pdf", "page_number", "nums", "annotations", "tags")
BOX_PARAMETERS = ("self", "element_tag", "style", "element")

_lock = threading.RLock()  # one installation at a time (re-entrant: nesting works)


@dataclass
class HintLog:
    """What the wrapper did during one render (checked by `verify`)."""

    calls: int = 0  # boxes the tag builder visited for our thread
    keyed: int = 0  # structure elements that got a /BPKey
    roles: Counter = field(default_factory=Counter)
    _seen: set[int] = field(default_factory=set)

    def verify(self) -> None:
        """The hints arrived, or the build stops: a tree without them is weaker."""
        if self.calls == 0:
            _broken("its tag builder was never called during the render")
        if self.keyed == 0:
            _broken("the tag builder ran, but no structure element received a hint")


def _broken(what: str) -> None:
    raise RenderError(
        f"WeasyPrint {weasyprint_release()}: {what}; the tag tree would lack its repairs, "
        f"so nothing was written (briefpers is tested with WeasyPrint {TESTED}.x; "
        "see the README on trying a new WeasyPrint)"
    )


def check_contract():
    """The WeasyPrint module and builder to wrap, after checking what we rely on.

    Raises DependencyError naming the installed WeasyPrint when a private name
    or signature is not what the wrapper was written for.
    """
    version = weasyprint_release()
    try:
        import pydyf
        from weasyprint.formatting_structure import boxes
        from weasyprint.pdf import tags as module
    except ImportError as exc:
        raise DependencyError(
            f"WeasyPrint {version}: its tag builder cannot be imported ({exc}); "
            f"briefpers needs WeasyPrint {TESTED}.x"
        ) from None
    builder = getattr(module, BUILDER, None)
    if not callable(builder):
        problems = [f"weasyprint.pdf.tags.{BUILDER} is gone"]
    else:
        problems = list(_signature_problems(builder))
    problems.extend(_box_problems(boxes.Box.__init__))
    if not hasattr(boxes.Box, "bookmark_label"):
        problems.append("boxes have no bookmark_label")
    if not (hasattr(pydyf, "String") and hasattr(pydyf, "Dictionary")):
        problems.append("pydyf has no String or Dictionary")
    if problems:
        raise DependencyError(
            f"WeasyPrint {version} changed the private tag builder that briefpers' tag "
            f"repairs rely on: {'; '.join(problems)}. briefpers is tested with WeasyPrint "
            f"{TESTED}.x; see the README on trying a new WeasyPrint"
        )
    return module, builder, pydyf


# Reading a signature costs a tenth of a millisecond: each function object
# is checked once (a replaced function is another object, checked anew).
@lru_cache(maxsize=16)
def _signature_problems(builder) -> tuple[str, ...]:
    problems = []
    names = tuple(inspect.signature(builder).parameters)
    if names != PARAMETERS:
        problems.append(f"{BUILDER}{names} instead of {BUILDER}{PARAMETERS}")
    if not inspect.isgeneratorfunction(getattr(builder, "__wrapped__", builder)):
        problems.append(f"{BUILDER} no longer yields its elements")
    return tuple(problems)


@lru_cache(maxsize=16)
def _box_problems(box_init) -> tuple[str, ...]:
    box_params = tuple(inspect.signature(box_init).parameters)
    if box_params != BOX_PARAMETERS:
        return (f"Box{box_params[1:]} instead of Box{BOX_PARAMETERS[1:]}",)
    return ()


@contextmanager
def hints() -> Iterator[HintLog]:
    """Install the hinting wrapper for the renders inside this block (one thread).

    On leaving the block normally the log is verified (RenderError when the
    hints did not arrive); WeasyPrint's own builder is back in place either way.
    """
    with _lock:
        module, builder, pydyf = check_contract()
        log = HintLog()
        original = getattr(builder, "__wrapped__", builder)  # nested: wrap the original
        wrapper = _wrapper(original, log, threading.get_ident(), pydyf)
        setattr(module, BUILDER, wrapper)
        try:
            yield log
        finally:
            setattr(module, BUILDER, builder)  # the outer wrapper or WeasyPrint's own
    log.verify()


def _wrapper(original, log: HintLog, owner: int, pydyf):
    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        elements = original(box, parent, pdf, page_number, nums, annotations, tags)
        if threading.get_ident() != owner:  # another thread's plain render: no hints
            yield from elements
            return
        log.calls += 1
        for element in elements:
            # The html, body and page boxes pass their children's elements up:
            # an element is hinted once, by the innermost box that yields it.
            if id(element) not in log._seen:
                log._seen.add(id(element))
                _hint(element, box, log, pydyf)
            yield element

    build_box_tree.__wrapped__ = original
    return build_box_tree


def _hint(element, box, log: HintLog, pydyf) -> None:
    html = getattr(box, "element", None)
    # Pseudo-elements (::marker, ::footnote-call) share their element's node
    # but are separate structure elements: no hints for them.
    if html is None or getattr(box, "element_tag", None) != html.tag:
        return
    element["BPKey"] = pydyf.String(str(id(html)))
    log.keyed += 1
    if lang := html.get("lang"):
        element["BPLang"] = pydyf.String(lang)
    if ident := html.get("id"):
        element["BPId"] = pydyf.String(ident)
    href = html.get("href") or ""
    if html.tag == "a" and href.startswith("#"):
        element["BPTarget"] = pydyf.String(href[1:])
    if html.tag == "a" and (title := html.get("title")):
        element["BPTitle"] = pydyf.String(title)
    if html.tag == "a":
        element["BPSize"] = round(box.style["font_size"] * 0.75, 3)  # CSS px → pt
    for cls in (html.get("class") or "").split():
        if cls in ROLES:
            element["BPRole"] = pydyf.String(ROLES[cls])
            log.roles[ROLES[cls]] += 1
    if html.tag in ("ol", "ul"):
        marker = box.style["list_style_type"]
        kind = marker if isinstance(marker, str) else "string"
        element["BPList"] = pydyf.String(f"{html.tag} {kind}")
    label = getattr(box, "bookmark_label", None)
    if label and box.style["bookmark_level"] != "none":
        element["BPBookmark"] = pydyf.String(label)
