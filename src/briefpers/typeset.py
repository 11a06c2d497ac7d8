"""HTML → PDF bytes with WeasyPrint, reading files from a sandbox only.

The URL fetcher serves `file:` URLs inside the allowed folders (the theme,
the shared fonts, the letter's own folder) and small `data:` URIs; anything
else (network, other local files, files over the size limit, FIFOs and
devices) stops the render with an AssetError. Every resource passes
`briefpers.images.prepare`: images are judged by their content (format,
pixels, damage, colour mode, SVG numbers), not by their names. A resource
that WeasyPrint could not use (an unreadable image, an SVG referring
elsewhere) is an error too: WeasyPrint only logs those and leaves the image
out, and a letter must not lose a figure silently. So is a character that
none of the theme's fonts has: WeasyPrint sees only those fonts
(`briefpers.closed_fonts`) and would print an empty box.

The letter's own files are served under a base URL that names no folder
(`LETTER_URL`): WeasyPrint names an image's PDF object after its URL, and
the same letter must give the same bytes in any folder. The bytes served
from the letter's folder come back with the PDF, for the archive to embed.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from briefpers import closed_fonts, tagging
from briefpers.errors import AssetError, DependencyError, RenderError
from briefpers.images import ImageRefusedError, prepare

MAX_DATA_URI = 256 * 1024  # bytes: inline images larger than this are refused
MAX_ASSET_BYTES = 32 * 1024 * 1024  # bytes of one file (fonts are < 1 MB, scans a few)
# The base URL of the letter's folder: a path no machine has, mapped by the fetcher.
LETTER_URL = "file:///briefpers-letter/"
LETTER_PATH = urlsplit(LETTER_URL).path
OBJECT_REPR = re.compile(r" ?<[^<>]* at 0x[0-9a-fA-F]+>")
# pikepdf compresses every stream when it saves the archival PDF (it decodes
# and recompresses what it is given), so WeasyPrint's own zlib pass at level 9
# was spent for nothing: about 5 % of a letter (bench/bench.py measures it).
WEASYPRINT_COMPRESSES = False
# WeasyPrint's warning that it subsets fonts with fontTools (HarfBuzz's subsetter,
# Debian's libharfbuzz-subset0, is missing): every letter about 3x slower (2.8x measured).
SLOW_SUBSETTER_WARNING = "Using fontTools instead of HarfBuzz-Subset"
# Net new objects a render may make before the garbage collector runs during
# it (see `_garbage_kept_young`). A 244-page letter makes about 150,000; a
# render beyond this is collected as it goes, so its garbage stays bounded.
RENDER_YOUNG_OBJECTS = 500_000
# Room, in stack slots of 8 bytes, for the frames of a render (see `_roomy`):
# 512 KiB, more than a render 1,000 frames deep (Python's recursion limit)
# needs with frames of a few hundred bytes.
RENDER_FRAME_SLOTS = 65_536


class Typeset(NamedTuple):
    pdf: bytes
    pages: int
    # The letter's own files that the PDF shows (figures, signatures, files an
    # SVG of the letter refers to): key (`source.files.key`) → bytes as read.
    files: dict[str, bytes]


# WeasyPrint's font configuration and caches are per process and not made
# for concurrent use: a worker with several threads lays out one letter at a
# time (loading, rendering HTML and finishing still run in parallel).
_engine = threading.RLock()


def _weasyprint():
    # Imported lazily: `import weasyprint` costs about half a second, which
    # commands such as `check` and `--help` should not pay.
    from briefpers.quick_import import import_weasyprint

    return import_weasyprint()


def forget() -> None:
    """Drop the cached fonts and stylesheets (a long-lived worker must see edits)."""
    with _engine:
        stylesheet.cache_clear()
        font_config.cache_clear()


@lru_cache(maxsize=8)
def font_config(fonts: tuple[Path, ...]):
    """One closed font configuration per theme (named by its font files) and
    process, shared by its documents.

    Per theme, because each holds the fonts its documents' @font-face rules
    added, and the typesetter falls back to any of them: one theme's
    fallback font must not print another theme's letters.
    """
    if not fonts:  # Pango crashes without any font
        raise AssetError("the theme names no fonts: nothing could be printed")
    _weasyprint()
    return closed_fonts.closed_configuration()


@lru_cache(maxsize=16)
def stylesheet(path: Path, allowed: tuple[Path, ...], fonts: tuple[Path, ...]):
    """A parsed theme stylesheet, reused across documents."""
    wp = _weasyprint()
    return wp.CSS(
        filename=str(path),
        url_fetcher=SandboxFetcher(allowed),
        font_config=font_config(fonts),
    )


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _Fetcher(URLFetcher):
        def __init__(self, roots: Iterable[Path], letter_dir: Path | None = None) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols=("file", "data"))
            self.roots = tuple(Path(r).resolve() for r in roots)
            self.letter_dir = letter_dir.resolve() if letter_dir is not None else None
            self.refused: list[str] = []
            self.served: dict[str, bytes] = {}

        def fetch(self, url: str, headers=None):
            try:
                if url.startswith("data:"):
                    self._check(url)
                    response = super().fetch(url, headers)
                    name, data, key = "data: URI", response.read(), None
                else:
                    name, data, key = self._read(url)
                body, mime = prepare(name, data)
            except (_RefusedError, ImageRefusedError) as exc:
                self.refused.append(str(exc))
                raise PermissionError(str(exc)) from None
            if key is not None:
                self.served.setdefault(key, data)
            if mime is None:
                return URLFetcherResponse(url, body)
            # An image's response names no file: WeasyPrint would read a
            # `file:` response's path again when it writes the PDF, after
            # these checks (and maybe other bytes).
            shown = url if url.startswith("data:") else "checked:" + url
            return URLFetcherResponse(shown, body, {"Content-Type": mime})

        def why_refused(self, url: str) -> str | None:
            """Why `url` would be refused before reading it, or None."""
            try:
                if url.startswith("data:"):
                    self._check(url)
                else:
                    self._locate(url)
            except _RefusedError as exc:
                return str(exc)
            return None

        def _check(self, url: str) -> None:
            if len(url) > MAX_DATA_URI:
                raise _RefusedError(f"data: URI of {len(url)} bytes exceeds {MAX_DATA_URI}")

        def _locate(self, url: str) -> tuple[Path, Path, str | None]:
            """(path as named, resolved path, key if in the letter's folder) or _RefusedError."""
            scheme = url.split(":", 1)[0].lower()
            if scheme != "file":
                raise _RefusedError(f"{url[:80]!r}: only local files are allowed, no network")
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise _RefusedError(f"{url[:80]!r}: only local files are allowed")
            named, key = Path(unquote(parts.path)), None
            if self.letter_dir is not None and parts.path.startswith(LETTER_PATH):
                key = unquote(parts.path[len(LETTER_PATH) :])
                named = self.letter_dir / key
            path = named.resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise _RefusedError(f"{path}: outside the theme and the letter's folder")
            if not path.is_file():
                raise _RefusedError(f"{path}: no such file")
            size = path.stat().st_size
            if size > MAX_ASSET_BYTES:
                raise _RefusedError(
                    f"{path}: {size:,} bytes, more than the limit of {MAX_ASSET_BYTES:,}"
                )
            return named, path, key

        def _read(self, url: str) -> tuple[str, bytes, str | None]:
            named, path, key = self._locate(url)
            try:  # non-blocking: a file swapped for a FIFO since must not hang us
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:
                raise _RefusedError(f"{path}: cannot read: {exc.strerror}") from None
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    raise _RefusedError(f"{path}: not a regular file")
                data = fh.read(MAX_ASSET_BYTES + 1)
            if len(data) > MAX_ASSET_BYTES:
                raise _RefusedError(f"{path}: more than the limit of {MAX_ASSET_BYTES:,} bytes")
            return str(named), data, key

    return _Fetcher


class _RefusedError(Exception):
    """A URL the sandbox does not serve; the message says why."""


_fetcher_class = None


def SandboxFetcher(roots: Iterable[Path], letter_dir: Path | None = None):  # noqa: N802
    """A WeasyPrint URL fetcher restricted to files under `roots` (a class
    factory); with `letter_dir`, LETTER_URL serves that folder's files."""
    global _fetcher_class
    if _fetcher_class is None:
        _fetcher_class = _make_fetcher_class()
    return _fetcher_class(roots, letter_dir)


def typeset(
    html: str,
    *,
    stylesheet_path: Path,
    asset_roots: Iterable[Path],
    base_dir: Path,
    fonts: Iterable[Path],
    variant: str = "pdf/a-3a",
) -> Typeset:
    """Lay out the HTML; return tagged PDF bytes, the page count and the
    letter's files it shows. Relative URLs in the HTML name files in
    `base_dir`. `fonts`: the theme's font files; the HTML's @font-face rules
    name them, and the typesetter uses no others."""
    with _engine:
        font_files = tuple(Path(f).resolve() for f in fonts)
        with _garbage_kept_young():
            # _typeset has returned (its document is unreachable) when this
            # block's collection runs.
            return _roomy(
                _typeset, html, stylesheet_path, tuple(asset_roots), base_dir, font_files, variant
            )


def _roomy(fn: Callable[..., Typeset], /, *args: object) -> Typeset:
    """`fn(*args)` with RENDER_FRAME_SLOTS of room for the frames it calls.

    CPython (3.11 here) keeps a thread's frames in chunks of 16 KiB and frees
    a chunk as soon as the frame at its start returns, so a recursion that
    goes up and down across a chunk's end maps and unmaps memory at every
    crossing (python/cpython#142183; newer releases keep a spare chunk).
    WeasyPrint's layout did that 500 to 1,800 times a letter, how often
    depending only on how deep the caller's stack was: up to a sixth of a
    letter's CPU, and a build started by `python -m briefpers.cli` was
    slower than one started by `briefpers`. This function's evaluation
    stack is made RENDER_FRAME_SLOTS deep (`co_stacksize`, the room its
    frame reserves; it uses two slots), so its frame opens a chunk twice
    that size and the frames of `fn` fill the unused half: one chunk per
    render, touched only as deep as it goes.
    """
    return fn(*args)


_roomy.__code__ = _roomy.__code__.replace(co_stacksize=RENDER_FRAME_SLOTS)


@contextlib.contextmanager
def _garbage_kept_young() -> Iterator[None]:
    """Run a render without collections (up to RENDER_YOUNG_OBJECTS new
    objects), then collect its garbage once, young.

    CPython's collector promotes what is alive when it runs to an older
    generation; during a render that is WeasyPrint's layout, which is garbage
    (in cycles) as soon as the PDF is written. Promoted, it is freed only by a
    full collection, which walks every object of the process: those took
    about a tenth of a letter's time. Collected young, after the render, it
    costs a walk over the render's own objects.
    """
    before = gc.get_threshold()
    if not gc.isenabled() or before[0] == 0:  # the embedding program's choice
        yield
        return
    gc.set_threshold(max(before[0], RENDER_YOUNG_OBJECTS), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.collect(0)


def _typeset(
    html: str,
    stylesheet_path: Path,
    asset_roots: tuple[Path, ...],
    base_dir: Path,
    font_files: tuple[Path, ...],
    variant: str,
) -> Typeset:
    wp = _weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    theme_roots = tuple(Path(r).resolve() for r in asset_roots)
    fetcher = SandboxFetcher((*theme_roots, base_dir.resolve()), letter_dir=base_dir)
    quiet = _Quiet(base_dir)
    try:
        css = stylesheet(stylesheet_path.resolve(), theme_roots, font_files)
        fonts = font_config(font_files)
        closed_fonts.verify(fonts)
        document = wp.HTML(string=html, base_url=LETTER_URL, url_fetcher=fetcher)
        # The tag-tree hints are in place for this render only (and checked after it).
        with quiet, tagging.hints():
            rendered = document.render(
                font_config=fonts,
                stylesheets=[css],
                pdf_variant=variant,
                pdf_tags=True,
                cache={},
            )
            pdf = rendered.write_pdf(
                pdf_variant=variant,
                pdf_tags=True,
                uncompressed_pdf=not WEASYPRINT_COMPRESSES,
            )
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        reason = (
            str(cause)
            if isinstance(cause, PermissionError)
            else fetcher.refused[-1]
            if fetcher.refused
            else f"a resource could not be read: {exc}"
        )
        raise AssetError(reason) from None
    except (AssetError, RenderError, DependencyError):
        raise
    except RecursionError:
        raise RenderError("typesetting failed: the content is nested too deeply") from None
    except Exception as exc:  # WeasyPrint has no error hierarchy of its own
        raise RenderError(f"typesetting failed: {type(exc).__name__}: {exc}") from exc
    # Refusals and unusable resources that WeasyPrint caught and only logged
    # (SVG drawing swallows every exception, images are left out).
    if fetcher.refused:
        raise AssetError(fetcher.refused[0])
    if quiet.errors:
        raise AssetError(quiet.errors[0])
    return Typeset(pdf, len(rendered.pages), fetcher.served)


def _shown(url: str, letter_dir: Path | None = None) -> str:
    """A file URL as its path (what the user wrote), anything else as it is."""
    url = url.removeprefix("checked:")
    if url.startswith("file:"):
        path = urlsplit(url).path
        if letter_dir is not None and path.startswith(LETTER_PATH):
            return str(letter_dir / unquote(path[len(LETTER_PATH) :]))
        return unquote(path)
    return url[:80]


def subsetter() -> str:
    """The font subsetter WeasyPrint uses in this process: "harfbuzz" or "fonttools".

    fontTools is the slow path (about 3x a letter's time): WeasyPrint falls
    back to it when HarfBuzz's subsetting library (libharfbuzz-subset0, 4.1 or
    later) cannot be loaded.
    """
    _weasyprint()
    from weasyprint.pdf import fonts as pdf_fonts

    lib = getattr(pdf_fonts, "harfbuzz_subset", None)
    if lib is not None and pdf_fonts.harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


SLOW_SUBSETTER_NOTICE = (
    "fonts are subset with fontTools, not HarfBuzz (WeasyPrint: libharfbuzz-subset0 "
    "is missing or older than 4.1): every letter takes about 3x as long; install "
    "libharfbuzz-subset0 (`briefpers doctor` shows the subsetter in use)"
)
_notices: dict[str, bool] = {}  # notice → taken; each is given out once per process


def take_notices() -> list[str]:
    """Warnings for the operator raised since the last call, each once per process."""
    fresh = [notice for notice, taken in _notices.items() if not taken]
    _notices.update(dict.fromkeys(fresh, True))
    return fresh


class _Quiet(logging.Filter):
    """Keep WeasyPrint's warnings off the terminal (the CLI reports errors) and
    collect the resources it could not use (logged at ERROR level, `Failed to …`)
    and the characters it printed as `.notdef` (a warning).

    One warning is passed on (`take_notices`, once per process) rather than
    dropped: that fonts are subset with fontTools, which makes every letter
    several times slower and has a fix only the operator can apply.
    """

    def __init__(self, letter_dir: Path | None = None) -> None:
        super().__init__()
        self.letter_dir = letter_dir
        self.errors: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(SLOW_SUBSETTER_WARNING):
            _notices.setdefault(SLOW_SUBSETTER_NOTICE, False)
            return False
        self.collect(record)
        return record.levelno >= logging.ERROR  # warnings stop here, errors go on

    def collect(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        url = next((a for a in args if isinstance(a, str)), None)
        template = str(record.msg)
        if template.startswith(".notdef glyph rendered") and len(args) == 2:
            char, code = args
            # The source's own text was checked before layout (render.glyphs).
            self.errors.append(
                f"U+{code:04X} '{char}' is in none of the theme's fonts (in text the "
                "theme adds: a label, the date or the stylesheet)"
            )
            return
        if record.levelno < logging.ERROR:
            return
        if template.startswith("Failed to load image") and url:
            error = next((a for a in args if isinstance(a, BaseException)), None)
            cause = error.__cause__ if error is not None else None
            detail = str(error or "") or str(cause or "") or type(cause).__name__
            detail = OBJECT_REPR.sub("", detail)  # Pillow names a BytesIO at an address
            message = f"{_shown(url, self.letter_dir)}: cannot be used as an image ({detail})"
        elif template.startswith("Failed to render SVG") and url:
            message = f"{_shown(url, self.letter_dir)}: the SVG image cannot be drawn"
        elif template.startswith("Failed to load"):  # stylesheets
            message = record.getMessage()
        else:  # e.g. a missing alt on a repeated running image: not a lost resource
            return
        self.errors.append(" ".join(message.split()))

    def __enter__(self) -> _Quiet:
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        self.logger.setLevel(logging.WARNING)
        self.logger.addFilter(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeFilter(self)
        self.logger.setLevel(self.level)
