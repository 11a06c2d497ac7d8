"""HTML → PDF bytes with WeasyPrint, reading files from a sandbox only.

The URL fetcher serves `file:` URLs inside the allowed folders (the theme,
the shared fonts, the letter's own folder) and small `data:` URIs; anything
else (network, other local files, files or images over the size limits)
stops the render with an AssetError. So does a resource that WeasyPrint
could not use (an unreadable image, an SVG referring elsewhere): WeasyPrint
only logs those and leaves the image out, and a letter must not lose a
figure silently.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefpers import tagging
from briefpers.errors import AssetError, DependencyError, RenderError

MAX_DATA_URI = 256 * 1024  # bytes: inline images larger than this are refused
MAX_ASSET_BYTES = 32 * 1024 * 1024  # bytes of one file (fonts are < 1 MB, scans a few)
# Pixels of one raster image: an A4 page scanned at 600 dpi has 35 million;
# a small file can declare far more (a decompression bomb).
MAX_IMAGE_PIXELS = 50_000_000
OBJECT_REPR = re.compile(r" ?<[^<>]* at 0x[0-9a-fA-F]+>")
NOT_IMAGES = frozenset({".css", ".ttf", ".otf", ".woff", ".woff2", ".svg"})

# WeasyPrint's font configuration and caches are per process and not made
# for concurrent use: a worker with several threads lays out one letter at a
# time (loading, rendering HTML and finishing still run in parallel).
_engine = threading.RLock()


def _weasyprint():
    # Imported lazily: `import weasyprint` costs about half a second, which
    # commands such as `check` and `--help` should not pay.
    import weasyprint

    return weasyprint


def forget() -> None:
    """Drop the cached fonts and stylesheets (a long-lived worker must see edits)."""
    with _engine:
        stylesheet.cache_clear()
        font_config.cache_clear()


@lru_cache(maxsize=1)
def font_config():
    """One font configuration per process, shared by all documents."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=16)
def stylesheet(path: Path, allowed: tuple[Path, ...]):
    """A parsed theme stylesheet, reused across documents."""
    wp = _weasyprint()
    return wp.CSS(
        filename=str(path),
        url_fetcher=SandboxFetcher(allowed),
        font_config=font_config(),
    )


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _Fetcher(URLFetcher):
        def __init__(self, roots: Iterable[Path]) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols=("file", "data"))
            self.roots = tuple(Path(r).resolve() for r in roots)
            self.refused: list[str] = []

        def fetch(self, url: str, headers=None):
            reason = self.why_refused(url)
            if reason:
                self.refused.append(reason)
                raise PermissionError(reason)
            if url.startswith("data:"):
                response = super().fetch(url, headers)
                body, name = response.read(), "data: URI"
            else:
                path = Path(unquote(urlsplit(url).path))
                body, name = path.read_bytes(), str(path)
                response = URLFetcherResponse(url, body=body)
            reason = _too_many_pixels(name, body)
            if reason:
                self.refused.append(reason)
                raise PermissionError(reason)
            if url.startswith("data:"):
                response = URLFetcherResponse(url, body, response.headers, response.status)
            return response

        def why_refused(self, url: str) -> str | None:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) > MAX_DATA_URI:
                    return f"data: URI of {len(url)} bytes exceeds {MAX_DATA_URI}"
                return None
            if scheme != "file":
                return f"{url[:80]!r}: only local files are allowed, no network"
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return f"{url[:80]!r}: only local files are allowed"
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                return f"{path}: outside the theme and the letter's folder"
            if not path.is_file():
                return f"{path}: no such file"
            size = path.stat().st_size
            if size > MAX_ASSET_BYTES:
                return f"{path}: {size:,} bytes, more than the limit of {MAX_ASSET_BYTES:,}"
            return None

    return _Fetcher


def _too_many_pixels(name: str, body: bytes) -> str | None:
    """Refuse a raster image too large to decode (Pillow reads only the header)."""
    if Path(name).suffix.lower() in NOT_IMAGES:
        return None
    from io import BytesIO

    from PIL import Image

    try:
        with Image.open(BytesIO(body)) as image:
            width, height = image.size
    except Exception:  # not a raster image Pillow knows: WeasyPrint decides
        return None
    if width * height > MAX_IMAGE_PIXELS:
        return (
            f"{name}: an image of {width} × {height} pixels, more than the limit "
            f"of {MAX_IMAGE_PIXELS:,}"
        )
    return None


_fetcher_class = None


def SandboxFetcher(roots: Iterable[Path]):  # noqa: N802 - a class factory
    """A WeasyPrint URL fetcher restricted to files under `roots`."""
    global _fetcher_class
    if _fetcher_class is None:
        _fetcher_class = _make_fetcher_class()
    return _fetcher_class(roots)


def typeset(
    html: str,
    *,
    stylesheet_path: Path,
    asset_roots: Iterable[Path],
    base_dir: Path,
    variant: str = "pdf/a-3a",
) -> tuple[bytes, int]:
    """Lay out the HTML; return tagged PDF bytes and the page count."""
    with _engine:
        return _typeset(html, stylesheet_path, tuple(asset_roots), base_dir, variant)


def _typeset(
    html: str, stylesheet_path: Path, asset_roots: tuple[Path, ...], base_dir: Path, variant: str
) -> tuple[bytes, int]:
    wp = _weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    theme_roots = tuple(Path(r).resolve() for r in asset_roots)
    roots = (*theme_roots, base_dir.resolve())
    fetcher = SandboxFetcher(roots)
    quiet = _Quiet()
    try:
        css = stylesheet(stylesheet_path.resolve(), theme_roots)
        document = wp.HTML(
            string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        # The tag-tree hints are in place for this render only (and checked after it).
        with quiet, tagging.hints():
            rendered = document.render(
                font_config=font_config(),
                stylesheets=[css],
                pdf_variant=variant,
                pdf_tags=True,
                cache={},
            )
            pdf = rendered.write_pdf(pdf_variant=variant, pdf_tags=True, uncompressed_pdf=False)
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
    return pdf, len(rendered.pages)


def _shown(url: str) -> str:
    """A file URL as its path (what the user wrote), anything else as it is."""
    if url.startswith("file:"):
        return unquote(urlsplit(url).path)
    return url[:80]


class _Quiet(logging.Handler):
    """Keep WeasyPrint's warnings off the terminal (the CLI reports errors) and
    collect the resources it could not use (logged at ERROR level, `Failed to …`)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        url = next((a for a in args if isinstance(a, str)), None)
        template = str(record.msg)
        if template.startswith("Failed to load image") and url:
            error = next((a for a in args if isinstance(a, BaseException)), None)
            cause = error.__cause__ if error is not None else None
            detail = str(error or "") or str(cause or "") or type(cause).__name__
            detail = OBJECT_REPR.sub("", detail)  # Pillow names a BytesIO at an address
            message = f"{_shown(url)}: cannot be used as an image ({detail})"
        elif template.startswith("Failed to render SVG") and url:
            message = f"{_shown(url)}: the SVG image cannot be drawn"
        elif template.startswith("Failed to load"):  # stylesheets
            message = record.getMessage()
        else:  # e.g. a missing alt on a repeated running image: not a lost resource
            return
        self.errors.append(" ".join(message.split()))

    def __enter__(self) -> _Quiet:
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)
