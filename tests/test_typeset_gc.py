"""A render's garbage is collected young, once, when the render is done.

Measured in bench/bench.py (sections 1 and 2); here the behaviour: which collections
run during `typeset`, and what of WeasyPrint's layout is left after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefpers import typeset as typeset_module
from briefpers.render.html import render_html
from briefpers.source.load import load
from briefpers.themes import load_theme

EXAMPLE = Path(__file__).resolve().parents[1] / "input" / "water-quality-2023.xml"


@pytest.fixture(scope="module")
def render():
    letter = load(EXAMPLE)
    theme = load_theme(letter.theme)
    html = render_html(letter, theme)

    def run():
        return typeset_module.typeset(
            html,
            stylesheet_path=theme.stylesheet,
            asset_roots=theme.asset_roots,
            base_dir=letter.path.parent,
            fonts=[face.path for face in theme.fonts],
        )

    run()  # warm: fonts and stylesheet parsed once per process
    return run


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    before = gc.get_threshold()
    gc.collect()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*before)
        gc.enable()


def layout_boxes() -> int:
    """WeasyPrint layout boxes still in memory (live or uncollected garbage)."""
    return sum(
        1
        for obj in gc.get_objects()
        if getattr(type(obj), "__module__", "") == "weasyprint.formatting_structure.boxes"
    )


def test_the_render_is_collected_once_young_and_nothing_of_its_layout_is_left(
    render, collections: list[int]
) -> None:
    gc.set_threshold(700, 10, 10)  # CPython's defaults, whatever the suite set
    assert render().pdf.startswith(b"%PDF-")
    # Without the handling: some twenty collections, a few of them older
    # generations, and hundreds of boxes left for a later full collection.
    assert collections == [0]
    assert layout_boxes() == 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.isenabled()


def test_an_embedding_program_that_switched_the_collector_off_keeps_it_off(
    render, collections: list[int]
) -> None:
    gc.disable()
    render()
    assert not gc.isenabled()
    assert collections == []


def test_a_render_larger_than_the_young_generation_is_collected_as_it_goes(
    render, collections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory stays bounded: the collector waits, it is not switched off.
    monkeypatch.setattr(typeset_module, "RENDER_YOUNG_OBJECTS", 1_000)
    gc.set_threshold(700, 10, 10)
    render()
    assert len(collections) > 3
    assert gc.get_threshold() == (700, 10, 10)
