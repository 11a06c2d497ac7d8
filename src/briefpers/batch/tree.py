"""Write files below a folder, by relative paths that came from an untrusted PDF.

The paths are checked before (`archive.extract.safe_path`); here the folder
itself is walked with directory descriptors and O_NOFOLLOW, so that a
symlink already in the folder (`img -> /etc`) cannot send a write elsewhere:
a symlink in the way is refused. Each file is written atomically (a
temporary file, then a rename in the same folder).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from briefpers.errors import ConfigError

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def write_tree(root: Path, files: Iterable[tuple[PurePosixPath, bytes]]) -> list[Path]:
    """Write each (relative path, bytes) below `root`; return the paths written."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError("is a file, not a folder to extract into", path=root) from None
    except OSError as exc:
        raise ConfigError(f"cannot create the folder: {exc.strerror}", path=root) from None
    written = []
    root_fd = _open_dir(root, None, root)
    try:
        for relative, data in files:
            _write_one(root, root_fd, relative, data)
            written.append(root.joinpath(*relative.parts))
    finally:
        os.close(root_fd)
    return written


def _open_dir(name: str | Path, dir_fd: int | None, shown: Path) -> int:
    flags = _DIR_FLAGS | (os.O_NOFOLLOW if dir_fd is not None else 0)
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        raise ConfigError(_why(exc, "folder"), path=shown) from None


def _why(exc: OSError, what: str) -> str:
    if isinstance(exc, NotADirectoryError) or exc.errno == getattr(os, "ELOOP", -1):
        return f"a symlink or a file is in the way of a {what}: refused"
    return f"cannot write: {exc.strerror or exc}"


def _write_one(root: Path, root_fd: int, relative: PurePosixPath, data: bytes) -> None:
    *folders, name = relative.parts
    fd = os.dup(root_fd)
    shown = root
    try:
        for folder in folders:
            shown = shown / folder
            try:
                os.mkdir(folder, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise ConfigError(_why(exc, "folder"), path=shown) from None
            inner = _open_dir(folder, fd, shown)
            os.close(fd)
            fd = inner
        target = shown / name
        try:
            mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise ConfigError("a symlink, folder or device is in the way: refused", path=target)
        _write_atomic_at(fd, name, data, target)
    finally:
        os.close(fd)


def _write_atomic_at(dir_fd: int, name: str, data: bytes, shown: Path) -> None:
    part = f".briefpers-extract-{os.getpid()}.part"  # short: `name` may be 255 bytes
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(part, flags, 0o644, dir_fd=dir_fd)
    except FileExistsError:
        os.unlink(part, dir_fd=dir_fd)  # a leftover of this very process id
        fd = os.open(part, flags, 0o644, dir_fd=dir_fd)
    except OSError as exc:
        raise ConfigError(_why(exc, "file"), path=shown) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(part, dir_fd=dir_fd)
        raise ConfigError(_why(exc, "file"), path=shown) from None
