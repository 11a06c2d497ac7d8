"""`output/manifest.json`: what each PDF was built from, merged under a lock.

The manifest maps each PDF (its name in the output folder) to an entry:
source path and sha256, output sha256, pages, profile, theme and its hash,
briefpers version and, when validated, veraPDF's verdict. It is rewritten
atomically, and only while holding `fcntl.flock` on `.briefpers.lock`: each
writer re-reads it under the lock and changes only its own entries, so two
builds into the same folder (or a build and a later `--validate`) merge
instead of overwriting each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from briefpers.batch.files import write_atomic

MANIFEST = "manifest.json"
LOCK = ".briefpers.lock"
FORMAT = 1

Entry = dict[str, Any]


def read(out_dir: Path) -> dict[str, Entry]:
    """The entries by PDF name; empty if there is no (readable) manifest.

    An unreadable manifest only costs a rebuild, so it is not an error.
    """
    try:
        data = json.loads((out_dir / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    letters = data.get("letters") if isinstance(data, dict) else None
    if not isinstance(letters, dict):
        return {}
    return {k: v for k, v in letters.items() if isinstance(v, dict)}


def dumps(entries: Mapping[str, Entry]) -> bytes:
    """Stable JSON: sorted keys, two-space indent, a final newline."""
    data = {"format": FORMAT, "letters": dict(entries)}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the folder's lock (blocking); released when the process dies, too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def update(out_dir: Path, changes: Mapping[str, Entry | None]) -> dict[str, Entry]:
    """Merge `changes` (None removes an entry) into the manifest; return the result."""
    with locked(out_dir):
        entries = read(out_dir)
        for name, entry in changes.items():
            if entry is None:
                entries.pop(name, None)
            else:
                entries[name] = entry
        write_atomic(out_dir / MANIFEST, dumps(entries))
        return entries


def record_verdicts(out_dir: Path, verdicts: Mapping[str, tuple[str, Entry]]) -> None:
    """Add veraPDF verdicts (name → (output sha256, verdict)) to their entries.

    A verdict is recorded only if the entry still describes the bytes that
    were validated (another build may have replaced the PDF meanwhile).
    """
    with locked(out_dir):
        entries = read(out_dir)
        for name, (digest, verdict) in verdicts.items():
            entry = entries.get(name)
            if entry is not None and entry.get("output_sha256") == digest:
                entry["verapdf"] = verdict
        write_atomic(out_dir / MANIFEST, dumps(entries))
