"""Build many letters: find sources, build each, write outputs atomically."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefpers.build.files import write_atomic
from briefpers.errors import BriefpersError, SourceError
from briefpers.pipeline import build_letter


@dataclass
class Result:
    source: Path
    output: Path
    error: BriefpersError | None = None
    pages: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def find_sources(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to their `*.xml` files (sorted); keep files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.xml") if p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise SourceError("no such file or folder", path=path)
    return found


def output_for(source: Path, out_dir: Path) -> Path:
    return out_dir / f"{source.stem}.pdf"


def build_all(
    sources: Iterable[Path],
    out_dir: Path,
    *,
    theme: str | None = None,
    profile: str | None = None,
) -> Iterator[Result]:
    """Build each source; a failure is reported in its Result, the rest go on."""
    for source in sources:
        output = output_for(source, out_dir)
        try:
            built = build_letter(source, theme=theme, profile=profile)
        except BriefpersError as exc:
            yield Result(source, output, error=exc)
            continue
        write_atomic(output, built.pdf)
        yield Result(source, output, pages=built.pages)
