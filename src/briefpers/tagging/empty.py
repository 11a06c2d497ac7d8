"""Structure elements without content are dropped.

WeasyPrint 70 makes an element for every box, so a line break or the empty
space kept for a signature becomes an empty `Span` or `Div`, which screen
readers announce and checkers flag. Tracked under the PDF/UA umbrella issue #2482
("Remove useless PDF Span tags").
"""

from __future__ import annotations

from pikepdf import Dictionary

from briefpers.tagging.tree import Tree
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "empty structure elements for boxes without content")


def _prune(tree: Tree, elem: Dictionary) -> bool:
    """Drop descendants without content; True when `elem` itself is empty."""
    children = tree.kids(elem)
    kept = [k for k in children if not (tree.is_struct(k) and _prune(tree, k))]
    if len(kept) != len(children):
        tree.set_kids(elem, kept)
    # No repair before this one writes /Alt: the keys as read tell.
    return not kept and not tree.has_key(elem, "/Alt")


def repair(tree: Tree) -> None:
    for top in tree.struct_kids(tree.root):
        _prune(tree, top)
