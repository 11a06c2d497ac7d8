"""Which letters to build: files, folders of `*.xml`, and `@list.txt` files."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from briefpers.errors import UsageError
from briefpers.regular_files import read_regular

MAX_LIST_BYTES = 10 * 1024 * 1024  # an @list of 100,000 paths is a few MiB


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
            raise UsageError("no such file or folder", path=printable(text))
        found.extend(_expand(path))
    return _unique(found)


def physical(path: Path) -> Path:
    """`path` with its `..` resolved as the system resolves them, after links.

    Later stages make paths absolute with `os.path.abspath`, which drops
    `link/..` by its text: `-o a/link/../out` would then put the PDFs in
    `a/out` and the manifest where the system finds `out`, beside the
    link's target. Paths without `..` stay as given (a linked folder keeps
    the name the user knows)."""
    if ".." not in path.parts:
        return path
    # The folder resolved, the name kept: a linked file keeps its own name.
    return Path(os.path.realpath(path.parent), path.name)


def _expand(path: Path) -> list[Path]:
    path = physical(path)
    if path.is_dir():
        # Anything but a folder: a FIFO, a device or a dangling link named
        # `*.xml` fails as one letter with its reason, instead of being skipped.
        return sorted(p for p in path.glob("*.xml") if not p.is_dir())
    return [path]


def _expand_list(listing: Path) -> list[Path]:
    try:
        data = read_regular(listing, MAX_LIST_BYTES)
    except OSError as exc:
        where = printable(str(listing))
        raise UsageError(f"cannot read the list: {exc.strerror}", path=where) from None
    if len(data) > MAX_LIST_BYTES:
        raise UsageError(
            f"the list is larger than {MAX_LIST_BYTES:,} bytes", path=printable(str(listing))
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"the list is not UTF-8 text (byte {exc.start + 1})", path=printable(str(listing))
        ) from None
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
    seen: set[str] = set()
    result = []
    for path in paths:
        key = os.path.realpath(path)  # unlike Path.resolve, never raises on a link loop
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
                f"{display(owners[output])} and {display(source)} would both be built into "
                f"{display(output)}: build them into different folders"
            )
        owners[output] = source


def display(path: Path | str) -> str:
    """A path relative to the current folder where possible, printable (for people)."""
    # os.path, not pathlib: a no-op run of 1,000 letters calls this 2,000 times.
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return "."
    inside = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return printable(absolute[len(inside) :] if absolute.startswith(inside) else absolute)


def relative_to_output(
    source: Path | str, out_dir: Path | str, resolve: Callable[[str], str] = os.path.realpath
) -> str:
    """The source as seen from the output folder (the manifest's record, whatever the cwd).

    `resolve`: `os.path.realpath`, or a cache of it for the length of one
    run (`folder_resolver`), so that many letters in a folder resolve it once.
    """
    # The folder resolved, the name kept: a linked source keeps its own name.
    # Split, not normalised: `link/../x.xml` is where the link's target says.
    folder, name = os.path.split(os.fspath(source))
    where = os.path.join(resolve(folder or os.curdir), name)
    return printable(os.path.relpath(where, resolve(os.fspath(out_dir))))


def folder_resolver() -> Callable[[str], str]:
    """`os.path.realpath`, each folder resolved once: for one run, not longer

    (a long-lived `watch` must see a link that is changed between runs)."""
    return functools.lru_cache(maxsize=None)(os.path.realpath)


def printable(text: str) -> str:
    """A file name as text: bytes that are not UTF-8 shown as escapes (`caf\\xe9.xml`).

    Python keeps such bytes as lone surrogates, which no UTF-8 output (a
    terminal, the manifest, the report) can hold.
    """
    if decodable(text):
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def decodable(text: str) -> bool:
    """Whether a file name read from the system was valid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
