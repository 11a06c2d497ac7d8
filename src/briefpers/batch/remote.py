"""Letters for workers that share no file system with the client (Dask).

The client reads each source and the files it shows (figures, signatures,
files their SVGs refer to) and sends the source with its task. Files and
themes travel by content: each is stored in the cluster once under its
sha256, a task names what it needs, and a worker fetches what it lacks and
keeps it, so every file reaches a worker at most once and every theme (all
its files: stylesheet, templates, fonts, licensed assets from the
configuration) once per worker. The client publishes each (a Dask dataset
named by its key, held by a worker); the worker builds in a scratch folder of its
own and returns the PDF's bytes with the outcome; the client writes the PDF
(atomically) and records the manifest, as for local workers.

The same bytes as a local build: the source keeps its file name, the
letter's files their names, and nothing in a PDF names a folder.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import os
import posixpath
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from urllib.parse import unquote, urlsplit

from briefpers import errors
from briefpers.batch.files import sha256_bytes
from briefpers.batch.fingerprint import theme_dirs
from briefpers.batch.peek import peek
from briefpers.batch.worker import Outcome, Task, build_one_from, failed
from briefpers.errors import BriefpersError
from briefpers.regular_files import read_regular
from briefpers.themes import Theme, base_templates, load_theme, shared_fonts
from briefpers.typeset import MAX_ASSET_BYTES

ASSET_PREFIX = "briefpers-file-"
THEME_PREFIX = "briefpers-theme-"
CACHE_BYTES = 512 * 1024 * 1024  # files a worker keeps in memory (themes live on disk)
FETCH_TIMEOUT = 120  # seconds to fetch a letter's files from the cluster
MAX_SVG_DEPTH = 8  # SVGs referring to SVGs: how deep the client follows


@dataclass(frozen=True)
class Shipped:
    """A file as a task names it: where it goes (relative to the letter's
    folder), its sha256, and under which key the cluster holds it. `size`
    alone (no key): a file too large to serve, recreated empty at that size so
    the worker refuses it with the same message as a local build."""

    name: str
    sha256: str = ""
    key: str = ""
    size: int = 0


@dataclass(frozen=True)
class ThemeParcel:
    """A theme as the client loaded it, and where its files are held."""

    theme: Theme  # its paths are the client's
    key: str  # the files: {client path: bytes}
    digest: str
    templates: str  # the client's base templates and shared fonts folders
    fonts: str


@dataclass(frozen=True)
class Parcel:
    """One letter for a worker: the task, the source's bytes, what it needs."""

    task: Task
    data: bytes
    files: tuple[Shipped, ...] = ()
    theme: ThemeParcel | None = None
    theme_request: str = ""
    # The client could not load the theme: (error class, message), raised
    # where a local build raises it (after the source proved valid).
    theme_error: tuple[str, str] | None = None


@dataclass
class Returned:
    """What a worker sends back: the outcome, the PDF, and keys it could not fetch."""

    outcome: Outcome
    files: dict[str, bytes] = field(default_factory=dict)  # name → bytes, the PDF last
    missing: list[str] = field(default_factory=list)


# The client side ------------------------------------------------------------


class Packer:
    """Turns tasks into parcels; collects what the cluster must hold (by key)."""

    def __init__(self) -> None:
        self.blobs: dict[str, object] = {}  # key → data, every one this run needs
        self.fresh: dict[str, object] = {}  # not yet handed to the cluster
        self.themes: dict[tuple[str | None, bool], ThemeParcel | tuple[str, str]] = {}
        self.dirs: dict[str, list[str]] = {}  # theme request → its folders (client paths)

    def pack(self, task: Task) -> Parcel | Outcome:
        """The parcel for `task`, or its failed Outcome (an unreadable source)."""
        from briefpers.source.load import read_source

        try:
            data = read_source(Path(task.source), task.settings.limits)
        except BriefpersError as exc:
            return failed(task, exc)
        folder = Path(task.source).parent
        seen = peek(data)
        operator = task.theme is not None
        request = task.theme if operator else seen.theme
        assert request is not None
        theme = self._theme(request, operator, task)
        return Parcel(
            task,
            data,
            files=tuple(self._files(folder, seen.files)),
            theme=theme if isinstance(theme, ThemeParcel) else None,
            theme_request=request,
            theme_error=theme if isinstance(theme, tuple) else None,
        )

    def take_fresh(self) -> dict[str, object]:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def _hold(self, key: str, data: object) -> None:
        if key not in self.blobs:
            self.blobs[key] = data
            self.fresh[key] = data

    def _theme(self, request: str, operator: bool, task: Task) -> ThemeParcel | tuple[str, str]:
        if (request, operator) in self.themes:
            return self.themes[(request, operator)]
        try:
            theme = load_theme(request, task.settings, operator=operator)
        except BriefpersError as exc:
            found: ThemeParcel | tuple[str, str] = (type(exc).__name__, exc.message)
        else:
            dirs = theme_dirs(theme)
            files = _theme_files(dirs)
            digest = hashlib.sha256(
                "".join(f"{p}\0{sha256_bytes(d)}\n" for p, d in sorted(files.items())).encode()
            ).hexdigest()
            key = THEME_PREFIX + digest
            self._hold(key, files)
            self.dirs[request] = dirs
            found = ThemeParcel(theme, key, digest, str(base_templates()), str(shared_fonts()))
        self.themes[(request, operator)] = found
        return found

    def _files(self, folder: Path, sources: list[str]) -> list[Shipped]:
        """The letter's files that its build will ask for, each once, with the
        files its SVG images refer to (as far as they lie in its folder)."""
        from briefpers.source import files as source_files

        shipped: dict[str, Shipped] = {}
        todo = [(source_files.key(src), 0) for src in sources]
        root = os.path.realpath(folder)
        while todo:
            name, depth = todo.pop(0)
            if name in shipped or not _inside_name(name):
                continue
            path = os.path.join(folder, name)
            if not os.path.realpath(path).startswith(root + os.sep):
                continue  # outside the letter's folder: the worker refuses it as we would
            try:
                size = os.stat(path).st_size
                if size > MAX_ASSET_BYTES:
                    shipped[name] = Shipped(name, size=size)
                    continue
                data = read_regular(path, MAX_ASSET_BYTES)
            except OSError:
                continue  # missing or not a file: the worker says so, as a local build
            digest = sha256_bytes(data)
            key = ASSET_PREFIX + digest
            self._hold(key, data)
            shipped[name] = Shipped(name, digest, key)
            if depth < MAX_SVG_DEPTH:
                todo += [(ref, depth + 1) for ref in svg_references(name, data)]
        return list(shipped.values())


def _inside_name(name: str) -> bool:
    """A name that stays inside the folder it is relative to."""
    return bool(name) and not name.startswith(("/", "../")) and name not in (".", "..")


def _theme_files(dirs: list[str]) -> dict[str, bytes]:
    """Every file of a theme (hidden files and caches apart), by its path here."""
    from briefpers.batch.fingerprint import _hidden

    files: dict[str, bytes] = {}
    for name in dirs:
        root = Path(name)
        if root.is_dir():
            paths = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p, root))
        elif root.is_file():
            paths = [root]
        else:
            continue
        for path in paths:
            files[str(path)] = path.read_bytes()
    return files


def svg_references(name: str, data: bytes) -> list[str]:
    """The files an SVG (named `name` in the letter's folder) refers to, as names
    in that folder. Anything else (not SVG, not parsable) refers to nothing."""
    if data.lstrip()[:1] != b"<":
        return []
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None or not str(root.tag).endswith("svg"):
        return []
    found = []
    base = posixpath.dirname(name)
    for element in root.iter():
        for attr, value in element.attrib.items():
            if not str(attr).endswith("href"):
                continue
            parts = urlsplit(value.strip())
            if parts.scheme or parts.netloc or not parts.path:
                continue  # a fragment, data:, or a URL the sandbox refuses anyway
            found.append(posixpath.normpath(posixpath.join(base, unquote(parts.path))))
    return found


def renamed_parcel(parcel: Parcel, renamed: Mapping[str, str]) -> Parcel:
    """The parcel with its data named by new keys (sent again after a loss)."""
    files = tuple(dataclasses.replace(f, key=renamed.get(f.key, f.key)) for f in parcel.files)
    theme = parcel.theme
    if theme is not None and theme.key in renamed:
        theme = dataclasses.replace(theme, key=renamed[theme.key])
    return dataclasses.replace(parcel, files=files, theme=theme)


# The worker side ------------------------------------------------------------

_lock = threading.Lock()
_files: OrderedDict[str, bytes] = OrderedDict()  # sha256 → bytes, least recently used first
_themes: dict[str, Theme] = {}  # theme digest → the theme, its files unpacked here
_root: list[Path] = []
_fetches: dict[str, int] = {}  # key → how often this worker fetched it


def fetched() -> dict[str, int]:
    """How often this worker fetched each key (once each: it keeps what it fetched)."""
    with _lock:
        return dict(_fetches)


@dataclass(frozen=True)
class SentTheme(Theme):
    """A theme unpacked on a worker: its paths are the worker's copies, and so
    are the shared templates and fonts (the client's, not this installation's)."""

    templates_base: Path = Path()
    fonts_base: Path = Path()

    @property
    def template_dirs(self) -> list[Path]:
        own = self.root / "templates"
        return [*([own] if own.is_dir() else []), self.templates_base]

    @property
    def asset_roots(self) -> list[Path]:
        return [self.root, self.fonts_base, *self.asset_files]


class _MissingError(Exception):
    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


def build_parcel(parcel: Parcel) -> Returned:
    """Build one parcel in a scratch folder; return the outcome and the PDF. Never raises."""
    task = parcel.task
    try:
        with _scratch() as folder:
            theme = _theme(parcel)
            _lay_out(folder, parcel)
            source = folder / Path(task.source).name
            outcome, files = build_one_from(
                task,
                source,
                parcel.data,
                theme=theme,
                theme_error=_error(parcel.theme_error),
                theme_request=parcel.theme_request,
            )
            if outcome.error:
                # Name the letter's folder as the client knows it, not ours.
                outcome.error = outcome.error.replace(str(folder), str(Path(task.source).parent))
    except _MissingError as exc:
        return Returned(Outcome(task.source, task.output), missing=exc.keys)
    except Exception as exc:  # a bug: this letter fails, the others go on
        return Returned(failed(task, exc))
    return Returned(outcome, files)


def _error(spec: tuple[str, str] | None) -> BriefpersError | None:
    if spec is None:
        return None
    kind = getattr(errors, spec[0], None)
    if not (isinstance(kind, type) and issubclass(kind, BriefpersError)):
        kind = errors.ThemeError
    return kind(spec[1])


def _fetch(keys: list[str]) -> list[object]:
    """Data the client published under `keys` (for this worker to keep)."""
    from distributed import get_client, wait

    client = get_client()
    with _lock:
        for key in keys:
            _fetches[key] = _fetches.get(key, 0) + 1
    try:
        futures = [client.get_dataset(key) for key in keys]
        wait(futures, timeout=FETCH_TIMEOUT)
        return client.gather(futures)
    except Exception:  # lost with a worker that held it: the client sends it again
        raise _MissingError(keys) from None


def _theme(parcel: Parcel) -> Theme | None:
    sent = parcel.theme
    if sent is None:
        return None
    with _lock:
        if sent.digest in _themes:
            return _themes[sent.digest]
    (files,) = _fetch([sent.key])
    assert isinstance(files, Mapping)
    base = _cache_root() / f"theme-{sent.digest[:32]}"
    with _lock:
        if sent.digest not in _themes:
            for name, data in files.items():
                target = _mirror(base, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            _themes[sent.digest] = _mirrored(sent, base)
        return _themes[sent.digest]


def _mirror(base: Path, client_path: str | Path) -> Path:
    """Where a file of the client's lies in this worker's copy."""
    pure = PurePath(client_path)
    return base.joinpath(*pure.parts[1:]) if pure.is_absolute() else base / pure


def _mirrored(sent: ThemeParcel, base: Path) -> SentTheme:
    theme = sent.theme
    fonts = tuple(dataclasses.replace(face, path=_mirror(base, face.path)) for face in theme.fonts)
    values = {f.name: getattr(theme, f.name) for f in dataclasses.fields(Theme)}
    values.update(
        root=_mirror(base, theme.root),
        stylesheet=_mirror(base, theme.stylesheet),
        logo=_mirror(base, theme.logo) if theme.logo else None,
        fonts=fonts,
        config=_mirror(base, theme.config) if theme.config else None,
    )
    return SentTheme(
        **values,
        templates_base=_mirror(base, sent.templates),
        fonts_base=_mirror(base, sent.fonts),
    )


def _lay_out(folder: Path, parcel: Parcel) -> None:
    """The letter's files in the scratch folder, under their names."""
    wanted = [f for f in parcel.files if f.key]
    with _lock:
        have = {f.key: _files[f.sha256] for f in wanted if f.sha256 in _files}
    lacking = [f for f in wanted if f.key not in have]
    if lacking:
        fetched = _fetch([f.key for f in lacking])
        with _lock:
            for shipped, data in zip(lacking, fetched, strict=True):
                assert isinstance(data, bytes)
                have[shipped.key] = data
                _keep(shipped.sha256, data)
    for shipped in parcel.files:
        if not _inside_name(shipped.name):
            continue  # never written outside the scratch folder, whatever a task says
        target = folder / shipped.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if shipped.key:
            target.write_bytes(have[shipped.key])
        else:
            with open(target, "wb") as fh:  # too large: only its size, for the refusal
                fh.truncate(shipped.size)


def _keep(digest: str, data: bytes) -> None:
    _files[digest] = data
    _files.move_to_end(digest)
    while sum(len(d) for d in _files.values()) > CACHE_BYTES and len(_files) > 1:
        _files.popitem(last=False)


def _cache_root() -> Path:
    with _lock:
        if not _root:
            path = Path(tempfile.mkdtemp(prefix="briefpers-worker-"))
            atexit.register(shutil.rmtree, path, True)
            _root.append(path)
        return _root[0]


@contextlib.contextmanager
def _scratch():
    """A folder of its own for one letter (several may build at once), removed after."""
    (_cache_root() / "letters").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=_cache_root() / "letters"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
