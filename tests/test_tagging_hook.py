"""The fence around WeasyPrint's private tag builder (briefpers.tagging.hook).

It is in place only while a letter renders, only for the rendering thread,
refuses a WeasyPrint whose private builder changed, and stops a build whose
hints did not arrive: never a silently weaker tree, never a leak.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pikepdf
import pytest

from briefpers.archive.finish import finish
from briefpers.errors import DependencyError, RenderError
from briefpers.pipeline import build_letter
from briefpers.profiles import resolve_profile
from briefpers.source.load import load
from briefpers.tagging import hook
from briefpers.tagging.upstream import weasyprint_release

from .conftest import INPUT

SOURCE = INPUT / "water-quality-2023.xml"
PLAIN = (
    '<html lang="en"><head><title>Plain</title></head><body><h1>Plain</h1>'
    '<p>A <a href="#n">link</a> and a <span lang="fr">mot</span>.</p>'
    '<p id="n">Target</p><ul><li>one</li></ul></body></html>'
)


def plain_render() -> bytes:
    """What any other WeasyPrint user in the process does: a tagged PDF."""
    import weasyprint

    return weasyprint.HTML(string=PLAIN).write_pdf(pdf_variant="pdf/ua-1")


def private_keys(data: bytes) -> set[str]:
    """Every /BP… key in any object of the PDF."""
    found = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                found |= {k for k in obj.keys() if k.startswith("/BP")}  # noqa: SIM118
    return found


def test_a_later_plain_weasyprint_render_has_no_private_keys() -> None:
    from weasyprint.pdf import tags

    builder = tags._build_box_tree
    build_letter(SOURCE)
    assert tags._build_box_tree is builder, "WeasyPrint's own builder is back"
    assert not hasattr(tags._build_box_tree, "__wrapped__")
    assert private_keys(plain_render()) == set()


def test_the_hints_reach_only_the_thread_that_renders_the_letter() -> None:
    from weasyprint.pdf import tags

    other: dict[str, bytes] = {}
    with hook.hints() as log:
        assert hasattr(tags._build_box_tree, "__wrapped__"), "installed inside the block"
        thread = threading.Thread(target=lambda: other.setdefault("pdf", plain_render()))
        thread.start()
        thread.join()
        ours = plain_render()
    assert private_keys(other["pdf"]) == set()
    assert {"/BPKey", "/BPLang", "/BPTarget", "/BPId", "/BPList"} <= private_keys(ours)
    assert log.keyed > 0
    assert not hasattr(tags._build_box_tree, "__wrapped__"), "removed after the block"


def test_a_changed_private_builder_stops_the_build_naming_the_version(monkeypatch) -> None:
    from weasyprint.pdf import tags

    def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags, extra):
        yield from ()

    monkeypatch.setattr(tags, "_build_box_tree", _build_box_tree)
    with pytest.raises(DependencyError) as caught:
        build_letter(SOURCE)
    message = str(caught.value)
    assert f"WeasyPrint {weasyprint_release()} changed the private tag builder" in message
    assert "'extra'" in message and "README" in message
    assert tags._build_box_tree is _build_box_tree, "left as it was"

    monkeypatch.delattr(tags, "_build_box_tree")
    with pytest.raises(DependencyError, match=r"_build_box_tree is gone"):
        build_letter(SOURCE)


def test_hints_that_do_not_arrive_stop_the_build(monkeypatch) -> None:
    monkeypatch.setattr(hook, "_hint", lambda *args: None)
    with pytest.raises(RenderError, match="no structure element received a hint"):
        build_letter(SOURCE)


def test_a_tag_builder_that_is_never_called_stops_the_build(monkeypatch) -> None:
    import weasyprint.pdf

    # A WeasyPrint that builds its tree some other way: our wrapper never runs.
    monkeypatch.setattr(weasyprint.pdf, "add_tags", lambda *args, **kwargs: None)
    with pytest.raises(RenderError, match="tag builder was never called"):
        build_letter(SOURCE)


def test_finishing_refuses_a_pdf_rendered_without_the_hints(tmp_path: Path) -> None:
    import weasyprint

    letter = load(SOURCE)
    raw = weasyprint.HTML(string=PLAIN).write_pdf(pdf_variant="pdf/a-3a")
    with pytest.raises(RenderError, match="carries no structure hints"):
        finish(raw, letter, resolve_profile(None), "rijk")
