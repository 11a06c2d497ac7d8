"""A link annotation's `/Contents` describes the link.

PDF/UA-1 7.18.5 asks for an alternate description of every link annotation;
WeasyPrint 70 writes the raw target there (`note-3`, a URL). Where the HTML
link has a `title` ("Voetnoot 3"), that becomes the description. No
dedicated upstream issue; tracked under the PDF/UA umbrella issue #2482.
"""

from __future__ import annotations

from pikepdf import Name, String

from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "link descriptions are the raw link target")
OBJR = Name.OBJR  # looked up once: Name's attribute access costs a microsecond


def repair(tree: Tree) -> None:
    for elem, title in tree.hinted_with("Title"):
        if tree.role(elem) != "/Link":
            continue
        for kid in tree.references(elem):
            if kid.get("/Type") == OBJR:
                kid.Obj.Contents = String(title)
