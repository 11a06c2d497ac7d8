"""Structure elements without content are dropped.

WeasyPrint 70 makes an element for every box, so a line break or the empty
space kept for a signature becomes an empty `Span` or `Div`, which screen
readers announce and checkers flag. Tracked under the PDF/UA umbrella issue #2482
("Remove useless PDF Span tags").
"""

from __future__ import annotations

from pikepdf import Array, Dictionary

from briefpers.tagging.tree import Tree, is_struct, kids
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "empty structure elements for boxes without content")


def _prune(elem: Dictionary) -> bool:
    """Drop descendants without content; True when `elem` itself is empty."""
    children = kids(elem)
    kept = [k for k in children if not (is_struct(k) and _prune(k))]
    if len(kept) != len(children):
        elem.K = Array(kept)
    return not kept and "/Alt" not in elem


def repair(tree: Tree) -> None:
    for top in kids(tree.root):
        if is_struct(top):
            _prune(top)
