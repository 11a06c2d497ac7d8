"""`briefpers watch`: rebuild a letter as soon as it or a file it shows changes.

One warm worker process builds every letter: it loaded WeasyPrint, the
theme's stylesheet and fonts once, so a save costs what a warm build costs.
A letter that crashes the worker fails alone (a fresh worker takes over), a
letter that fails is reported, and the watch goes on.

Changes are found by polling file status (size, times, inode), not by
inotify: polling sees edits on network shares and through container bind
mounts, where inotify stays silent, needs no dependency, and at the default
interval costs a few hundred stat calls a second. What a change means is
then decided as for `build`: by content hashes (`batch.run.Batch`), so a
save that changes nothing rebuilds nothing, and the manifest stays what a
later `briefpers build` expects.

Watched: each source (folders and @lists are listed again, so new letters
are picked up), the files each source references (`figure`, `signature`),
and the theme's files. A theme edit restarts the worker, whose caches hold
the old theme. A changed user configuration ends the watch: settings are
read once, at the start.

Nothing here prints: the CLI turns the events into lines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefpers.batch.executors import WarmExecutor
from briefpers.batch.fingerprint import theme_dirs
from briefpers.batch.peek import Peek, peek
from briefpers.batch.run import Batch, Options, Result
from briefpers.batch.sources import display, find_sources
from briefpers.errors import BriefpersError, ConfigError
from briefpers.regular_files import read_regular
from briefpers.source import files as source_files
from briefpers.themes import load_theme

INTERVAL = 0.1  # seconds between polls (at least: a large folder polls less often)
POLL_SHARE = 0.05  # at most this share of the time goes to polling
MAX_PEEK_BYTES = 10 * 1024 * 1024  # larger sources fail their build anyway

Signature = tuple[int, int, int, int] | None  # mtime_ns, ctime_ns, size, inode


@dataclass
class Event:
    """Something for the operator: a letter's result, a preview, or a note."""

    kind: str  # "result", "preview", "note", "stop"
    result: Result | None = None
    text: str = ""
    paths: list[Path] = field(default_factory=list)


def signature(path: Path) -> Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def inspect(source: Path) -> Peek:
    """The files a source shows and the theme it asks for (nothing if unreadable)."""
    try:
        data = read_regular(source, MAX_PEEK_BYTES)
    except OSError:
        return Peek()
    return peek(data) if len(data) <= MAX_PEEK_BYTES else Peek()


class Watcher:
    """Builds stale letters, then rebuilds what changes, one poll at a time."""

    def __init__(
        self,
        args: Sequence[Path | str],
        options: Options,
        *,
        preview: Path | None = None,
        dpi: int = 60,
        interval: float = INTERVAL,
        rasterise: Callable[[bytes, int], list[bytes]] | None = None,
    ) -> None:
        self.args = list(args)
        self.options = options
        self.preview = preview
        self.dpi = dpi
        self.interval = interval
        self.rasterise = rasterise
        self.executor = WarmExecutor()
        self.sources: list[Path] = []
        self.looking = 0.0  # seconds the last look at the files took
        self.failed: set[str] = set()  # letters whose last build failed (as displayed)
        self.seen: dict[Path, Signature] = {}  # every watched file → its last signature
        self.assets: dict[Path, list[Path]] = {}  # source → files it references
        self.themes: dict[Path, str] = {}  # source → the theme it asks for
        self.theme_files: dict[str, dict[Path, Signature]] = {}
        config = options.settings.user_config
        self.config = config.path
        self.config_signature = signature(config.path) if config.path else None

    # The loop ---------------------------------------------------------------

    def run(self, stop: Callable[[], bool] = lambda: False) -> Iterator[Event]:
        """Build what is stale, then poll until `stop()` or a changed configuration."""
        try:
            self.sources = find_sources(self.args)
            yield from self._build(self.sources, first=True)
            self.theme_files = self._theme_snapshot()
            yield Event("note", text=self._watching())
            while not stop():
                yield from self.poll()
                if self._config_changed():
                    yield Event(
                        "stop",
                        text="the user configuration changed: run watch again to use it",
                    )
                    return
                # Looking costs time too: a large folder is looked at less often.
                spent = self.looking
                time.sleep(max(self.interval, spent / POLL_SHARE - spent))
        finally:
            self.executor.close()

    def poll(self) -> Iterator[Event]:
        """One look at every watched file; rebuild what changed."""
        started = time.monotonic()
        try:
            sources = find_sources(self.args)
        except BriefpersError as exc:  # a watched folder or list went away
            yield Event("note", text=f"error: {exc}")
            return
        self.sources = sources
        changed = [s for s in sources if self._changed(s)]
        for source in changed:  # before the build: a save during it is seen next time
            self._remember(source)
        theme_changed = self._theme_changed()
        self.looking = time.monotonic() - started
        if theme_changed:
            # The worker's caches hold the old stylesheet, fonts and templates.
            self.executor.restart()
            yield Event("note", text="the theme changed: rebuilding")
            changed = sources
        if changed:
            yield from self._build(changed)

    def _changed(self, source: Path) -> bool:
        watched = [source, *self.assets.get(source, ())]
        if source not in self.seen:
            return True
        return any(signature(path) != self.seen.get(path) for path in watched)

    def _build(self, sources: list[Path], first: bool = False) -> Iterator[Event]:
        if first:
            for source in sources:
                self._remember(source)
        batch = Batch(sources, self.options)
        try:
            batch.plan()
            if first and self.preview is not None:
                for result in batch.results:  # up to date, but perhaps never previewed
                    if self._preview_missing(Path(result.output)):
                        yield self._preview(Path(result.output))
            for result in batch.results:
                if result.source in self.failed:  # fixed back to what was built
                    self.failed.discard(result.source)
                    yield Event("result", result=result)
            # The first build of a folder streams; a rebuild is reported once
            # its manifest entry is written, so what the line says is on disk.
            results = batch.run(self.executor)
            for result in results if first else list(results):
                if result.ok:
                    self.failed.discard(result.source)
                else:
                    self.failed.add(result.source)
                yield Event("result", result=result)
                if result.status == "built" and self.preview is not None:
                    yield self._preview(Path(result.output))
        except BriefpersError as exc:  # e.g. the output folder became read-only
            yield Event("note", text=f"error: {exc}")
            return
        for line in batch.notices:
            yield Event("note", text=f"warning: {line}")
        if first and not batch.tasks:
            self._warm_up(sources)

    def _remember(self, source: Path) -> None:
        found = inspect(source)
        self.assets[source] = [source.parent / source_files.key(src) for src in found.files]
        self.themes[source] = found.theme
        for path in (source, *self.assets[source]):
            self.seen[path] = signature(path)

    def _warm_up(self, sources: list[Path]) -> None:
        """Everything was up to date: build one letter into a scratch folder, so
        that the first save costs a warm build, not the worker's start."""
        if not sources:
            return
        import tempfile

        with tempfile.TemporaryDirectory(prefix="briefpers-watch-") as tmp:
            options = Options(
                Path(tmp),
                theme=self.options.theme,
                profile=self.options.profile,
                settings=self.options.settings,
            )
            batch = Batch(sources[:1], options)
            try:
                batch.plan()
                for _ in batch.run(self.executor):
                    pass
            except BriefpersError:
                pass  # the letter's own build will say what is wrong with it

    # Themes and configuration ----------------------------------------------

    def _theme_snapshot(self) -> dict[str, dict[Path, Signature]]:
        """For each theme in use, the signatures of its files (the user configuration apart)."""
        settings = self.options.settings
        operator = self.options.theme is not None
        requests = [self.options.theme] if operator else sorted(set(self.themes.values()))
        snapshot: dict[str, dict[Path, Signature]] = {}
        for request in requests:
            assert request is not None
            try:
                theme = load_theme(request, settings, operator=operator)
            except BriefpersError:
                continue  # the letter's build says what is wrong
            files: dict[Path, Signature] = {}
            for name in theme_dirs(theme):
                path = Path(name)
                if self.config is not None and path == self.config:
                    continue
                if path.is_dir():
                    for item in sorted(path.rglob("*")):
                        if item.is_file():
                            files[item] = signature(item)
                else:
                    files[path] = signature(path)
            snapshot[request] = files
        return snapshot

    def _theme_changed(self) -> bool:
        """Whether a theme in use changed since the last look (a theme new to the
        watch, asked for by a new or edited letter, is only remembered)."""
        snapshot = self._theme_snapshot()
        changed = any(
            files != self.theme_files[request]
            for request, files in snapshot.items()
            if request in self.theme_files
        )
        self.theme_files = snapshot
        return changed

    def _config_changed(self) -> bool:
        return self.config is not None and signature(self.config) != self.config_signature

    def _watching(self) -> str:
        count = len(self.sources)
        letters = f"{count} letter{'s' * (count != 1)}"
        return f"watching {letters} (Ctrl-C to stop)"

    # Previews ---------------------------------------------------------------

    def _preview_missing(self, pdf_path: Path) -> bool:
        assert self.preview is not None
        first = self.preview / f"{pdf_path.stem}-1.png"
        try:
            return first.stat().st_mtime_ns < pdf_path.stat().st_mtime_ns
        except OSError:
            return True

    def _preview(self, pdf_path: Path) -> Event:
        from briefpers.batch.files import write_atomic
        from briefpers.preview import Preview, rasterise, stale_pages

        assert self.preview is not None
        try:
            pages = (self.rasterise or rasterise)(pdf_path.read_bytes(), self.dpi)
            result = Preview(pdf_path.stem, pages)
            written = []
            for name, png in zip(result.names(), result.pages, strict=True):
                write_atomic(self.preview / name, png)
                written.append(self.preview / name)
            for old in stale_pages(self.preview, result):
                old.unlink()
        except (BriefpersError, OSError) as exc:
            return Event("note", text=f"error: {display(pdf_path)}: no preview: {exc}")
        return Event("preview", paths=written)


def check_preview(preview: Path | None) -> None:
    """ConfigError at once if previews are asked for and cannot be made."""
    if preview is None:
        return
    from briefpers.preview import pdftoppm

    pdftoppm()
    if preview.exists() and not preview.is_dir():
        raise ConfigError("the preview folder is not a folder", path=display(preview))
    preview.mkdir(parents=True, exist_ok=True)
