"""Footnotes become notes, read where they are called.

WeasyPrint 70 tags the page-foot area like any other content: a footnote is
a `Span` at the foot of the page, far from its call in the reading order,
and its number is plain text. Here each footnote becomes a `Note` (PDF 2.0:
`FENote`) with a unique `/ID`, its number a `Lbl` (holding the link back to
the call), and it moves to just after the `Link` of its FIRST call, where a
reader expects it. No dedicated upstream issue; tracked under the PDF/UA
umbrella issue #2482.
"""

from __future__ import annotations

from pikepdf import Dictionary, Name, String

from briefpers.errors import RenderError
from briefpers.tagging.tree import Tree, same
from briefpers.tagging.upstream import Workaround

WORKAROUND = Workaround(2482, "footnotes are untagged text at the page foot")


def calls(tree: Tree) -> dict[str, list[Dictionary]]:
    """Target id → the Link elements that point at it, in document order."""
    found: dict[str, list[Dictionary]] = {}
    for elem, target in tree.hinted_with("Target"):
        if tree.role(elem) == "/Link":
            found.setdefault(target, []).append(elem)
    return found


def repair(tree: Tree) -> None:
    note_type = Name.FENote if tree.pdf2 else Name.Note
    links = calls(tree)
    notes = [e for e, role in tree.hinted_with("Role") if role == "note"]
    for number, note in enumerate(notes, 1):
        ident = tree.hint(note, "Id") or f"note-{number}"
        tree.set_role(note, note_type)
        tree.set_key(note, "/ID", String(ident))
        label = next((k for k in tree.kids(note) if tree.hint(k, "Role") == "note-label"), None)
        if label is None:
            raise RenderError(f"footnote {ident!r} has no label in the tag tree")
        if tree.role(label) == "/Link":
            # The label is the link back to the call: a Lbl holding that Link.
            wrapper = tree.make("Lbl", note, [label])
            tree.set_kids(note, [wrapper if same(k, label) else k for k in tree.kids(note)])
        else:
            tree.set_role(label, Name.Lbl)
        called = links.get(ident)
        if not called:
            raise RenderError(f"footnote {ident!r} has no call in the tag tree")
        tree.detach(note)
        tree.insert_after(called[0], note)
