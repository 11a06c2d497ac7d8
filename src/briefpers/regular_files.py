"""Reading regular files only, and never blocking on the way.

A letter is untrusted, and so is what it names: a FIFO given as a source
would block a build until someone writes to it, a device may never end (or
have effects when opened). Every reader of untrusted files goes through
`open_regular`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class NotRegularFileError(OSError):
    """A FIFO, device, socket, folder (or a refused symbolic link) where a
    regular file is expected; `kind` says which ("a folder", "a FIFO (named pipe)", …)."""

    def __init__(self, code: int, kind: str, message: str, path: str) -> None:
        super().__init__(code, message, path)
        self.kind = kind


def open_regular(path: Path | str, *, follow_symlinks: bool = True) -> int:
    """A read-only descriptor of a regular file; NotRegularFileError for anything else.

    The type is checked before opening (opening a device can have effects) and
    on the descriptor (the name may have been swapped in between); the open
    never blocks on a FIFO. Without `follow_symlinks` a symbolic link is refused.
    """
    check = os.stat if follow_symlinks else os.lstat
    _require_regular(check(path).st_mode, path)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    fd = os.open(path, flags)
    try:
        _require_regular(os.fstat(fd).st_mode, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path | str, max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """At most `max_bytes + 1` bytes of a regular file (one more than allowed, to tell)."""
    with os.fdopen(open_regular(path, follow_symlinks=follow_symlinks), "rb") as fh:
        return fh.read(max_bytes + 1)


def _require_regular(mode: int, path: Path | str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise NotRegularFileError(errno.EISDIR, "a folder", "is a folder, not a file", str(path))
    if stat.S_ISLNK(mode):
        raise NotRegularFileError(errno.ELOOP, "a symbolic link", "is a symbolic link", str(path))
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise NotRegularFileError(errno.EINVAL, kind, f"is {kind}, not a regular file", str(path))
