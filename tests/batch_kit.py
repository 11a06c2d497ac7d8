"""Batches for the batch tests: many letters made from one example, and `build` in process."""

from __future__ import annotations

import signal
from pathlib import Path

from click.testing import CliRunner

from briefpers.cli import main

BASE = Path(__file__).resolve().parents[1] / "input" / "water-quality-2023.xml"


def make_letters(
    folder: Path, count: int, *, prefix: str = "letter", digits: int = 2
) -> list[Path]:
    """`count` letters `<prefix>-<i>.xml` (i zero-padded to `digits`), each its own subject."""
    folder.mkdir(parents=True, exist_ok=True)
    text = BASE.read_text(encoding="utf-8")
    paths = []
    for i in range(count):
        path = folder / f"{prefix}-{i:0{digits}d}.xml"
        path.write_text(text.replace("Progress report", f"Progress report {i}"), "utf-8")
        paths.append(path)
    return paths


def build(*args: str | Path) -> tuple[int, str, str]:
    """`briefpers build ARGS` in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, ["build", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def default_sigint() -> None:
    """For `preexec_fn`: Ctrl-C as on a terminal. A shell that started the
    tests in the background handed them SIGINT ignored, and a child inherits
    that: it would never see the Ctrl-C a test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
