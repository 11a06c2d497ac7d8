"""A link set with `line-height: 0` can still be clicked.

WeasyPrint 70 takes an inline link's clickable area from its line height
(`InlineBox.hit_area`). A footnote call is raised with `line-height: 0` so
that it does not push its line apart, which leaves a link area of zero
height: no reader can click it. Such an area gets the height of the link's
text, centred on the line it collapsed to. Not reported upstream (it follows
from CSS); switch it off if WeasyPrint starts using the text's extent.
"""

from __future__ import annotations

from pikepdf import Array, Name

from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(None, "a link with line-height 0 has a clickable area of zero height")
OBJR = Name.OBJR
MIN_HEIGHT = 1.0  # points: anything lower cannot be clicked


def repair(tree: Tree) -> None:
    for elem, size in tree.hinted_with("Size"):
        if tree.role(elem) != "/Link":
            continue
        for kid in tree.references(elem):
            if kid.get("/Type") != OBJR:
                continue
            x1, y1, x2, y2 = (float(v) for v in kid.Obj.Rect)
            if abs(y2 - y1) >= MIN_HEIGHT:
                continue
            middle, half = (y1 + y2) / 2, 0.6 * float(size)
            kid.Obj.Rect = Array([x1, round(middle - half, 3), x2, round(middle + half, 3)])
