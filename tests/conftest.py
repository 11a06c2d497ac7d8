"""Shared fixtures: the example letters, built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefpers.pipeline import build_letter

ROOT = Path(__file__).resolve().parents[1]
INPUT = ROOT / "input"
EXAMPLES = sorted(INPUT.glob("*.xml"))


@pytest.fixture(autouse=True, scope="session")
def _no_source_date_epoch():
    """Tests assume dates come from the letters unless a test sets the epoch."""
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    yield
    if saved is not None:
        os.environ["SOURCE_DATE_EPOCH"] = saved


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """stem → PDF path for every example in input/ (default profile)."""
    out = tmp_path_factory.mktemp("examples")
    result = {}
    for source in EXAMPLES:
        pdf = out / f"{source.stem}.pdf"
        pdf.write_bytes(build_letter(source).pdf)
        result[source.stem] = pdf
    return result


def have(program: str) -> bool:
    return shutil.which(program) is not None
