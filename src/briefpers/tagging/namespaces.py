"""PDF 2.0 output: every element in the PDF 2.0 namespace; calls name their notes.

With `pdf_version="2.0"` WeasyPrint 70 puts only the `Document` element in
the PDF 2.0 structure namespace; the others fall back to the PDF 1.7
namespace, whose `Note` PDF/UA-2 does not accept (8.2.5.14). Every element
gets the PDF 2.0 namespace, and each footnote call (a `Link`) and its
`FENote` refer to each other through `/Ref` (PDF 2.0; PDF/UA-2 8.2.5.14).
No dedicated upstream issue; tracked under the PDF/UA umbrella issue #2482.
Runs for PDF 2.0 profiles only.
"""

from __future__ import annotations

from pikepdf import Array, Dictionary, Name, String

from briefpers.tagging.notes import calls
from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "PDF 2.0 output puts only the Document in the PDF 2.0 namespace")
PDF2_NAMESPACE = "http://iso.org/pdf2/ssn"


def _namespace(tree: Tree) -> Dictionary:
    """The PDF 2.0 namespace dictionary, listed in the tree root's /Namespaces."""
    listed = list(tree.root.get("/Namespaces", []))
    for ns in listed:
        if str(ns.get("/NS", "")) == PDF2_NAMESPACE:
            return ns
    ns = tree.pdf.make_indirect(Dictionary(Type=Name.Namespace, NS=String(PDF2_NAMESPACE)))
    tree.root.Namespaces = Array([*listed, ns])
    return ns


def repair(tree: Tree) -> None:
    if not tree.pdf2:
        return
    ns = _namespace(tree)
    for elem in tree.elements:
        elem.NS = ns
    links = calls(tree)
    for note in tree.with_role("/FENote"):
        referring = links.get(str(note.ID), [])
        for call in referring:
            call.Ref = Array([note])
        if referring:
            note.Ref = Array(referring)
