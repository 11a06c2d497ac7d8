"""Hints from the HTML into WeasyPrint's structure tree, for archive/tags.py.

WeasyPrint 70 builds one structure element per box, and a box is per page:
a paragraph broken across pages becomes two `P` elements (#2903), and an
element's `lang` is not written (only the catalog's). We wrap its internal
tree builder so that every structure element it creates carries:

- `/BPKey`: which HTML element it came from (equal keys on adjacent
  siblings mean "one element, split by a page or line break");
- `/BPRole`: our semantic role where HTML has none (`note`, `note-label`);
- `/BPTarget`: for an internal link, the id it points to (a footnote call);
- `/BPTitle`: a link's `title`, its description for assistive technology;
- `/Lang`: the element's own `lang` attribute, where it has one.

`archive.tags.repair` uses and then removes the `/BP…` keys. The wrapper
is tied to WeasyPrint's private API, hence the pin `weasyprint>=70,<71`.
"""

from __future__ import annotations

_installed = False

ROLES = {"footnote": "note", "note-label": "note-label"}


def install() -> None:
    """Wrap `weasyprint.pdf.tags._build_box_tree` once per process."""
    global _installed
    if _installed:
        return
    import pydyf
    from weasyprint.pdf import tags

    original = tags._build_box_tree

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, found_tags):
        for element in original(box, parent, pdf, page_number, nums, annotations, found_tags):
            html = getattr(box, "element", None)
            # Pseudo-elements (::marker, ::footnote-call) share their element's
            # node but are separate structure elements: no key for them.
            if html is not None and getattr(box, "element_tag", None) == html.tag:
                element["BPKey"] = pydyf.String(str(id(html)))
                if lang := html.get("lang"):
                    element["Lang"] = pydyf.String(lang)
                href = html.get("href") or ""
                if html.tag == "a" and href.startswith("#"):
                    element["BPTarget"] = pydyf.String(href[1:])
                if html.tag == "a" and (title := html.get("title")):
                    element["BPTitle"] = pydyf.String(title)
                for cls in (html.get("class") or "").split():
                    if cls in ROLES:
                        element["BPRole"] = f"/{ROLES[cls]}"  # pydyf writes "/x" as a name
            yield element

    tags._build_box_tree = build_box_tree
    _installed = True
