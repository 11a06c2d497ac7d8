"""Files on disk: atomic writes, and reads of regular files only.

A reader sees the old file or the new one, never half. A temporary file is
named `.<name>.<host>-<pid>.<random>.part`, so that a run can tell the
leftovers of a killed writer from the files a live one is writing (another
build into the same folder, possibly on another machine).

Everything the batch reads (manifests, `@list` files, files it hashes) is
read only if it is a regular file: a FIFO would block the build until someone
writes to it, a device may never end.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from pathlib import Path

from briefpers.regular_files import open_regular

PART_SUFFIX = ".part"
STALE_AFTER = 3600.0  # seconds: a .part of another host is certainly abandoned by then


def _host() -> str:
    return socket.gethostname().replace(".", "_").replace("-", "_") or "host"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{_host()}-{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=PART_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename is durable only once the folder's entry is on disk.
    _fsync_dir(path.parent)


def write_together(files: list[tuple[Path, bytes]]) -> None:
    """Write several files of one folder as one: all to temporary files first
    (synced), then renamed in the order given, so put the file that decides
    "built" (the PDF) last. A failure before the renames leaves nothing."""
    if not files:
        return
    folder = files[0][0].parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            prefix = f".{path.name}.{_host()}-{os.getpid()}."
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=PART_SUFFIX, dir=path.parent)
            temporary.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
        for tmp, path in temporary:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temporary:
            Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def probe_writable(folder: Path) -> None:
    """Write, sync and remove a small file in `folder`: OSError if that is impossible.

    The honest test of "can we write here" (read-only mounts, full disks,
    permissions, ACLs, root on a read-only file system), where `os.access`
    would guess. Named like a `.part`, so a killed probe is cleaned up.
    """
    prefix = f".probe.{_host()}-{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=PART_SUFFIX, dir=folder)
    try:
        os.write(fd, bytes(4096))
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not supported everywhere (some network file systems)
    finally:
        os.close(fd)


def clean_stale_parts(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove `.part` files whose writer is gone; return what was removed.

    A `.part` from this host whose process no longer runs is removed at once;
    any other `.part` only when it is older than STALE_AFTER.
    """
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    host = _host()
    removed = []
    for part in folder.glob(f".*{PART_SUFFIX}"):
        try:
            age = now - part.stat().st_mtime
        except FileNotFoundError:
            continue  # its writer just renamed it
        owner = _owner(part.name)
        dead = owner is not None and owner[0] == host and not _alive(owner[1])
        if dead or age > STALE_AFTER:
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def _owner(name: str) -> tuple[str, int] | None:
    """`.x.pdf.myhost-123.abc.part` → ("myhost", 123)."""
    parts = name.split(".")
    if len(parts) < 4:
        return None
    host, _, pid = parts[-3].rpartition("-")
    return (host, int(pid)) if host and pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A killed worker can linger as a zombie until its new parent reaps it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    """The file's sha256, or None if it cannot be read or is not a regular file."""
    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
