"""Which letters to build: files, folders of `*.xml`, and `@list.txt` files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from briefpers.errors import UsageError


def find_sources(args: Iterable[Path | str]) -> list[Path]:
    """Expand arguments into source files, in order, without duplicates.

    A folder gives its `*.xml` files (sorted, not recursive). `@list.txt`
    gives the paths in the list, one a line (blank lines and `#` comments are
    skipped); relative paths are relative to the list's folder, and a listed
    folder is expanded too. A listed file that does not exist is kept, so that
    it fails as one letter rather than stopping the batch; a missing argument
    is a usage error.
    """
    found: list[Path] = []
    for arg in args:
        text = str(arg)
        if text.startswith("@"):
            found.extend(_expand_list(Path(text[1:])))
            continue
        path = Path(text)
        if not path.exists():
            raise UsageError("no such file or folder", path=path)
        found.extend(_expand(path))
    return _unique(found)


def _expand(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.xml") if p.is_file())
    return [path]


def _expand_list(listing: Path) -> list[Path]:
    try:
        text = listing.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the list: {exc.strerror}", path=listing) from None
    found = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        path = Path(entry)
        if not path.is_absolute():
            path = listing.parent / path
        found.extend(_expand(path))
    return found


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    result = []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            result.append(path)
    return result


def output_for(source: Path, out_dir: Path) -> Path:
    return out_dir / f"{source.stem}.pdf"


def check_outputs_unique(sources: list[Path], out_dir: Path) -> None:
    """Two sources must not write the same PDF (say a/x.xml and b/x.xml)."""
    owners: dict[Path, Path] = {}
    for source in sources:
        output = output_for(source, out_dir)
        if output in owners:
            raise UsageError(
                f"{owners[output]} and {source} would both be built into {output}: "
                f"build them into different folders"
            )
        owners[output] = source


def display(path: Path) -> str:
    """A path relative to the current folder where possible (for people, manifests)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
