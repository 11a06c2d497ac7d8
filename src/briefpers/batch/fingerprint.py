"""Content hashes that decide whether a letter must be rebuilt.

A PDF is up to date when everything its bytes depend on is unchanged: the
source bytes, the files it references (images in the letter's folder), the
theme (its folder, the shared templates and fonts), the profile, the
briefpers version and SOURCE_DATE_EPOCH. Hashes, not mtimes: a fresh
checkout or a copied folder must not rebuild everything, and an edit that
keeps the mtime must not be missed. Themes are hashed once per run.

This module does not import the pipeline (nor WeasyPrint): a no-op rebuild
of a thousand letters must stay cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from briefpers import __version__
from briefpers.batch.files import sha256_file
from briefpers.batch.sources import printable
from briefpers.errors import BriefpersError
from briefpers.regular_files import read_regular
from briefpers.settings import Settings
from briefpers.themes import Theme, load_theme


def theme_dirs(theme: Theme) -> list[str]:
    """The folders and files that make up a theme's look, in a stable order.

    The theme folder, the shared templates and fonts, files configured from
    outside the folder (licensed logo or fonts) and the user configuration
    laid over theme.toml (its sender defaults and labels show in the PDF).
    """
    paths = [
        theme.root,
        *theme.template_dirs,
        *theme.asset_roots,
        *getattr(theme, "asset_files", ()),
        *([theme.config] if getattr(theme, "config", None) else []),
    ]
    unique = dict.fromkeys(str(Path(p).resolve()) for p in paths)
    return list(unique)


def hash_dirs(paths: Iterable[str]) -> str:
    """One sha256 over every file (path relative to its folder, and content)."""
    digest = hashlib.sha256()
    for index, name in enumerate(paths):
        root = Path(name)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p, root))
        else:
            files = [root]  # a single file (or a missing one: hashed as None)
        for path in files:
            rel = path.relative_to(root).as_posix()
            digest.update(f"{index}\0{rel}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def _hidden(path: Path, root: Path) -> bool:
    # Editor backups and caches (.DS_Store, __pycache__) are no part of a theme.
    parts = path.relative_to(root).parts
    return any(part.startswith(".") or part == "__pycache__" for part in parts)


MAX_PDF_BYTES = 512 * 1024 * 1024  # a PDF read whole (to sign or check it); a letter is far less


def signed_since(entry: dict[str, Any], output: Path) -> bool:
    """Whether `output` is the PDF the entry records with signatures or
    timestamps appended (`briefpers sign` or `renew`, or another signing
    tool): its first `unsigned_size` bytes are the unsigned build, and what
    follows holds a signature dictionary (`/ByteRange`, never compressed)."""
    size, unsigned = entry.get("unsigned_size"), entry.get("unsigned_sha256")
    if not isinstance(size, int) or size <= 0 or not unsigned:
        return False  # a manifest from before sizes were recorded: rebuild
    try:
        data = read_regular(output, MAX_PDF_BYTES)
    except OSError:
        return False
    return (
        len(data) > size
        and hashlib.sha256(data[:size]).hexdigest() == unsigned
        and b"/ByteRange" in data[size:]
    )


class Fingerprints:
    """Per-run caches of theme hashes (a theme is hashed once, not per letter).

    `signed_since`: up-to-date PDFs that were signed or timestamped after the
    manifest recorded them (name → (recorded sha256, sha256 now)).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._dirs: dict[tuple[str, ...], str] = {}
        self._requests: dict[str | None, str | None] = {}
        self.signed_since: dict[str, tuple[str, str]] = {}

    def theme_hash(self, dirs: Iterable[str]) -> str:
        key = tuple(dirs)
        if key not in self._dirs:
            self._dirs[key] = hash_dirs(key)
        return self._dirs[key]

    def theme_hash_for(self, request: str | None) -> str | None:
        """The hash of the theme a name or folder resolves to now (None: none)."""
        if request not in self._requests:
            try:
                theme = load_theme(request, self.settings)
            except BriefpersError:
                self._requests[request] = None
            else:
                self._requests[request] = self.theme_hash(theme_dirs(theme))
        return self._requests[request]

    def stale_reason(
        self,
        entry: dict[str, Any] | None,
        source: Path,
        output: Path,
        *,
        theme_option: str | None,
        profile: str,
        files_options: str | None = None,
    ) -> str | None:
        """Why `output` must be rebuilt from `source`, or None if it is up to date.

        `files_options`: what decides the files asked for beside the PDF (MDTO
        records, web edition); None: none are asked for, and those an earlier
        build wrote are left alone."""
        if entry is None:
            return "not built before"
        # The file name, not the path: the PDF holds the name, never the folder,
        # so the same letter built from any working folder (or moved with its
        # images) is up to date.
        if PurePosixPath(entry.get("source") or "").name != printable(source.name):
            return "source file name changed"
        if entry.get("source_sha256") != sha256_file(source):
            return "source changed"
        checks = (
            ("profile", profile, "profile changed"),
            ("briefpers_version", __version__, "briefpers version changed"),
            ("theme_option", theme_option, "theme option changed"),
            ("source_date_epoch", self.settings.epoch_text, "SOURCE_DATE_EPOCH changed"),
        )
        for key, value, reason in checks:
            if entry.get(key) != value:
                return reason
        if entry.get("theme_sha256") != self.theme_hash_for(entry.get("theme_request")):
            return "theme changed"
        folder = source.parent
        for name, digest in (entry.get("assets") or {}).items():
            if sha256_file(folder / name) != digest:
                return f"{name} changed"
        digest = sha256_file(output)
        if entry.get("output_sha256") != digest:
            if digest is None or not signed_since(entry, output):
                return "output missing or changed"
            # Signed or timestamped since: the bytes built are whole at its
            # start, so rebuilding would only throw the signatures away.
            self.signed_since[output.name] = (entry["output_sha256"], digest)
        if files_options is not None:
            if entry.get("files_options") != files_options:
                return "MDTO or web edition options changed"
            for name, digest in (entry.get("files") or {}).items():
                if sha256_file(output.parent / PurePosixPath(name).name) != digest:
                    return f"{name} missing or changed"
        return None
