"""A link annotation's `/Contents` describes the link.

PDF/UA-1 7.18.5 asks for an alternate description of every link annotation;
WeasyPrint 70 writes the raw target there (`note-3`, a URL). Where the HTML
link has a `title` ("Voetnoot 3"), that becomes the description. No
dedicated upstream issue; tracked under the PDF/UA umbrella issue #2482.
"""

from __future__ import annotations

from pikepdf import Dictionary, Name, String

from briefpers.tagging.tree import Tree, kids
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "link descriptions are the raw link target")


def repair(tree: Tree) -> None:
    for elem in tree.elements:
        title = tree.hint(elem, "Title")
        if elem.S != "/Link" or title is None:
            continue
        for kid in kids(elem):
            if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                kid.Obj.Contents = String(title)
