"""A render's frames live in one stack chunk, whatever the caller's depth.

CPython 3.11 maps and unmaps a 16 KiB chunk of frame memory each time a
recursion crosses a chunk's end (python/cpython#142183); WeasyPrint's layout
did that hundreds of times a letter, more or less depending on how deep the
caller's stack was. Each new mapping shows as minor page faults when touched,
so a warm render's page faults tell whether it happened (bench: 700-1,500 a
render of the example without the room, 13-37 with it).
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from pathlib import Path

import pytest

from briefpers.pipeline import build_letter

EXAMPLE = Path(__file__).resolve().parents[1] / "input" / "water-quality-2023.xml"
# Page faults a warm build of the example may take: its own allocations reuse
# freed memory, so what remains is a few dozen.
MAX_FAULTS = 300


def at_depth(depth: int, fn: Callable[[], int]) -> int:
    """`fn()` called `depth` Python frames deeper than here."""
    return fn() if depth == 0 else at_depth(depth - 1, fn)


def faults_of_a_build() -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    build_letter(EXAMPLE)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.fixture(scope="module")
def warm() -> None:
    build_letter(EXAMPLE)
    build_letter(EXAMPLE)


def test_a_warm_build_maps_no_frame_memory_at_any_depth(warm):
    faults = {depth: at_depth(depth, faults_of_a_build) for depth in range(0, 40, 3)}
    assert max(faults.values()) < MAX_FAULTS, faults
