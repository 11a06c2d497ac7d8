"""Lists say how they are numbered (`ListNumbering`).

PDF/UA-2 and WTPDF (8.2.5.25) require `ListNumbering` on every list whose
items have a `Lbl`, and not `None`; WeasyPrint 70 writes no list attributes.
The value comes from the list's CSS `list-style-type` (hinted by the hook).
No dedicated upstream issue; tracked under the PDF/UA umbrella issue #2482.
"""

from __future__ import annotations

from pikepdf import Dictionary, Name

from briefpers.tagging.tree import Tree, add_attributes
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "lists carry no ListNumbering attribute")

# CSS list-style-type → ListNumbering (the values PDF 1.7 and 2.0 share).
NUMBERING = {
    "decimal": "Decimal",
    "decimal-leading-zero": "Decimal",
    "lower-roman": "LowerRoman",
    "upper-roman": "UpperRoman",
    "lower-alpha": "LowerAlpha",
    "lower-latin": "LowerAlpha",
    "upper-alpha": "UpperAlpha",
    "upper-latin": "UpperAlpha",
    "disc": "Disc",
    "circle": "Circle",
    "square": "Square",
    "none": "None",
}


def numbering(kind: str, marker: str, *, pdf2: bool) -> str:
    """The ListNumbering value for an `ol`/`ul` with this CSS marker type."""
    if marker in NUMBERING:
        return NUMBERING[marker]
    # Any other marker (a string such as "•", a counter style we do not map):
    # PDF 2.0 has a generic value for each kind, PDF 1.7 only the specific ones.
    if kind == "ol":
        return "Ordered" if pdf2 else "Decimal"
    return "Unordered" if pdf2 else "Disc"


def repair(tree: Tree) -> None:
    for elem, value in tree.hinted_with("List"):
        if tree.role(elem) != "/L":
            continue
        kind, marker = value.split(" ", 1)
        name = numbering(kind, marker, pdf2=tree.pdf2)
        add_attributes(elem, Dictionary(O=Name.List, ListNumbering=Name("/" + name)))
