"""`output/manifest.json`: what each PDF was built from, merged under a lock.

The manifest maps each PDF (its name in the output folder) to an entry:
source (as seen from the output folder) and its sha256, output sha256, pages,
profile, theme and its hash, briefpers version, the files written beside the PDF
(MDTO records, the web edition: name → sha256) and, when validated, veraPDF's
verdict, and the hash and size of the bytes built (`unsigned_sha256`,
`unsigned_size`: the reproducible part, the start of a file signed later). A
signed letter also records the signed file's hash (`signed_sha256`, then also
its `output_sha256`) and the signature (level, signer, certificate hash).

It is rewritten atomically, and only while holding `fcntl.flock` on
`.briefpers.lock`: each writer re-reads it under the lock and changes only its
own entries, so two builds into the same folder (or a build and a later
`--validate`) merge instead of overwriting each other.

A manifest that cannot be read (not JSON, nested too deeply, too large, a FIFO
or a link where the file should be) must not block later builds: it is moved
aside to `manifest.json.corrupt-<hash>` and its letters are rebuilt. An entry
whose fields have the wrong types is dropped (that letter is rebuilt).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefpers.batch.files import write_atomic
from briefpers.batch.sources import display
from briefpers.errors import OutputError
from briefpers.regular_files import read_regular

MANIFEST = "manifest.json"
LOCK = ".briefpers.lock"
# 2: `source` is relative to the output folder (1: to the working folder of
# the build that wrote it; read as well, the source path is informative only).
FORMAT = 2
READABLE = frozenset({1, 2})
# A manifest entry is under 1 KiB: this allows some 60,000 letters per folder,
# and keeps a planted giant file from taking the memory of every later build.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CORRUPT = MANIFEST + ".corrupt-"
LINK_REFUSED = "is a symbolic link; briefpers never follows a link for its lock file: remove it"
NOT_REGULAR = "is not a regular file (the lock file): remove it"

Entry = dict[str, Any]

# Fields the batch relies on, with the types they must have (None: absent).
_STR = (str, type(None))
_FIELDS: dict[str, tuple[type, ...]] = {
    "source": _STR,
    "source_sha256": _STR,
    "output_sha256": _STR,
    "profile": _STR,
    "theme": _STR,
    "theme_request": _STR,
    "theme_option": _STR,
    "theme_sha256": _STR,
    "briefpers_version": _STR,
    "source_date_epoch": _STR,
    "pages": (int, type(None)),
    "assets": (dict, type(None)),
    "files": (dict, type(None)),  # written beside the PDF (MDTO records, web edition)
    "files_options": _STR,
    "verapdf": (dict, type(None)),
    "unsigned_sha256": _STR,
    "unsigned_size": (int, type(None)),
    "signed_sha256": _STR,
    "signature": (dict, type(None)),
}


@dataclass(frozen=True)
class Loaded:
    """The entries by PDF name, and why the file could not be read (None: it could)."""

    entries: dict[str, Entry]
    unreadable: str | None = None


def load(out_dir: Path) -> Loaded:
    """Read the manifest without changing anything; missing → no entries."""
    path = out_dir / MANIFEST
    try:
        data = read_regular(path, MAX_MANIFEST_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        return Loaded({})
    except OSError as exc:
        return Loaded({}, exc.strerror or str(exc))
    if len(data) > MAX_MANIFEST_BYTES:
        return Loaded({}, f"larger than {MAX_MANIFEST_BYTES:,} bytes")
    try:
        doc = json.loads(data)
    except RecursionError:
        return Loaded({}, "nested too deeply")
    except ValueError:  # also UnicodeDecodeError
        return Loaded({}, "not valid JSON")
    letters = doc.get("letters") if isinstance(doc, dict) else None
    if not isinstance(letters, dict) or doc.get("format") not in READABLE:
        return Loaded({}, "not a briefpers manifest (or of a format this version does not read)")
    return Loaded({k: v for k, v in letters.items() if _usable(v)})


def _usable(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    for key, types in _FIELDS.items():
        value = entry.get(key)
        counts = key in ("pages", "unsigned_size")
        if not isinstance(value, types) or (isinstance(value, bool) and counts):
            return False
    for key in ("assets", "files"):
        table = entry.get(key) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            return False
    verdict = entry.get("verapdf")
    if verdict is None:
        return True
    rules = verdict.get("failed_rule_ids", [])
    return (
        isinstance(verdict.get("compliant"), bool)
        and isinstance(rules, list)
        and all(isinstance(rule, str) for rule in rules)
    )


def read(out_dir: Path) -> dict[str, Entry]:
    """The entries by PDF name; empty if there is no (readable) manifest."""
    return load(out_dir).entries


def set_aside(out_dir: Path) -> str | None:
    """Move an unreadable manifest out of the way (under the lock); say what was done.

    Returns one line for the user, or None if the manifest is readable (again)
    or missing. The new name carries a hash of the old content, so the same
    bad file is not kept twice.
    """
    with locked(out_dir):
        loaded = load(out_dir)
        if loaded.unreadable is None:
            return None
        return _move_aside(out_dir, loaded.unreadable)


def _entries_locked(out_dir: Path) -> dict[str, Entry]:
    """The entries, with the lock held; an unreadable file is moved aside, never overwritten."""
    loaded = load(out_dir)
    if loaded.unreadable is not None:
        _move_aside(out_dir, loaded.unreadable)
    return loaded.entries


def _move_aside(out_dir: Path, why: str) -> str:
    path = out_dir / MANIFEST
    digest = hashlib.sha256(_content(path)).hexdigest()[:12]
    target = out_dir / f"{CORRUPT}{digest}"
    try:
        os.replace(path, target)  # renames a link or a FIFO itself, never its target
    except OSError as exc:
        raise OutputError(
            f"cannot move the unreadable manifest aside: {exc.strerror}", path=display(path)
        ) from None
    return (
        f"warning: {display(path)} could not be read ({why}): "
        f"moved aside to {display(target)}; its letters are rebuilt"
    )


def _content(path: Path) -> bytes:
    try:
        return read_regular(path, MAX_MANIFEST_BYTES, follow_symlinks=False)
    except OSError:
        return b""  # a FIFO, a link, a folder: nothing to read


def dumps(entries: Mapping[str, Entry]) -> bytes:
    """Stable JSON: sorted keys, two-space indent, a final newline."""
    data = {"format": FORMAT, "letters": dict(entries)}
    try:
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    except UnicodeEncodeError:  # a path that is not UTF-8 (say, a theme folder): escaped
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the folder's lock (blocking); released when the process dies, too."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder: {exc.strerror}", path=display(out_dir)
        ) from None
    fd = open_lock(out_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def check_lock(out_dir: Path) -> None:
    """OutputError if the lock file exists but is not a regular file (a link, say).

    Checks without creating it: a build whose letters all fail leaves nothing.
    """
    path = out_dir / LOCK
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(
            f"cannot check the lock file: {exc.strerror}", path=display(path)
        ) from None
    if stat.S_ISLNK(mode):
        raise OutputError(LINK_REFUSED, path=display(path))
    if not stat.S_ISREG(mode):
        raise OutputError(NOT_REGULAR, path=display(path))


def open_lock(out_dir: Path) -> int:
    """The lock file's descriptor: created if missing, never through a symbolic link."""
    path = out_dir / LOCK
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(LINK_REFUSED, path=display(path)) from None
        raise OutputError(
            f"cannot open the lock file: {exc.strerror}", path=display(path)
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputError(NOT_REGULAR, path=display(path))
    return fd


def update(out_dir: Path, changes: Mapping[str, Entry | None]) -> dict[str, Entry]:
    """Merge `changes` (None removes an entry) into the manifest; return the result."""
    with locked(out_dir):
        entries = _entries_locked(out_dir)
        for name, entry in changes.items():
            if entry is None:
                entries.pop(name, None)
            else:
                entries[name] = entry
        _write(out_dir, entries)
        return entries


def record_verdicts(out_dir: Path, verdicts: Mapping[str, tuple[str, Entry]]) -> None:
    """Add veraPDF verdicts (name → (output sha256, verdict)) to their entries.

    A verdict is recorded only if the entry still describes the bytes that
    were validated (another build may have replaced the PDF meanwhile).
    """
    with locked(out_dir):
        entries = _entries_locked(out_dir)
        for name, (digest, verdict) in verdicts.items():
            entry = entries.get(name)
            if entry is not None and entry.get("output_sha256") == digest:
                entry["verapdf"] = verdict
        _write(out_dir, entries)


def record_signatures(out_dir: Path, signed: Mapping[str, tuple[str, Entry]]) -> None:
    """Record signatures (name → (sha256 before signing, fields to set)).

    Only an entry that still describes the bytes that were signed changes
    (another build may have replaced the PDF meanwhile).
    """
    with locked(out_dir):
        entries = _entries_locked(out_dir)
        for name, (digest, fields) in signed.items():
            entry = entries.get(name)
            if entry is not None and entry.get("output_sha256") == digest:
                entry.update(fields)
        _write(out_dir, entries)


def refresh_sources(out_dir: Path, sources: Mapping[str, tuple[str, str]]) -> None:
    """Record where up-to-date letters' sources are now (name → (output sha256, source)).

    Only entries that still describe the same PDF change; nothing is written
    if none does.
    """
    with locked(out_dir):
        entries = _entries_locked(out_dir)
        changed = False
        for name, (digest, source) in sources.items():
            entry = entries.get(name)
            if entry is not None and entry.get("output_sha256") == digest:
                changed |= entry.get("source") != source
                entry["source"] = source
        if changed:
            _write(out_dir, entries)


def _write(out_dir: Path, entries: Mapping[str, Entry]) -> None:
    try:
        write_atomic(out_dir / MANIFEST, dumps(entries))
    except OSError as exc:
        raise OutputError(
            f"cannot write the manifest: {exc.strerror}", path=display(out_dir / MANIFEST)
        ) from None
