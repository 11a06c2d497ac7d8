"""HTML → PDF bytes with WeasyPrint, reading files from a sandbox only.

The URL fetcher serves `file:` URLs inside the allowed folders (the theme,
the shared fonts, the letter's own folder) and small `data:` URIs; anything
else (network, other local files) stops the render with an AssetError.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefpers.errors import AssetError, RenderError

MAX_DATA_URI = 256 * 1024  # bytes: inline images larger than this are refused

PDF_VARIANTS = {"pdfa-3a-ua1": "pdf/a-3a", "pdfa-2a-ua1": "pdf/a-2a"}


def _weasyprint():
    # Imported lazily: `import weasyprint` costs about half a second, which
    # commands such as `check` and `--help` should not pay.
    import weasyprint

    from briefpers import structure_hints

    structure_hints.install()
    return weasyprint


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
                return super().fetch(url, headers)
            path = Path(unquote(urlsplit(url).path))
            return URLFetcherResponse(url, body=path.read_bytes())

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
            return None

    return _Fetcher


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
    wp = _weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    theme_roots = tuple(Path(r).resolve() for r in asset_roots)
    roots = (*theme_roots, base_dir.resolve())
    fetcher = SandboxFetcher(roots)
    try:
        css = stylesheet(stylesheet_path.resolve(), theme_roots)
        document = wp.HTML(
            string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        with _Quiet():
            rendered = document.render(
                font_config=font_config(),
                stylesheets=[css],
                pdf_variant=variant,
                pdf_tags=True,
                cache={},
            )
            pdf = rendered.write_pdf(pdf_variant=variant, pdf_tags=True, uncompressed_pdf=False)
            return pdf, len(rendered.pages)
    except FatalURLFetchingError:
        reason = fetcher.refused[-1] if fetcher.refused else "a resource could not be read"
        raise AssetError(reason) from None
    except (AssetError, RenderError):
        raise
    except Exception as exc:  # WeasyPrint has no error hierarchy of its own
        raise RenderError(f"typesetting failed: {type(exc).__name__}: {exc}") from exc


class _Quiet:
    """Keep WeasyPrint's warnings off the terminal; the CLI reports errors."""

    def __enter__(self):
        self.logger = logging.getLogger("weasyprint")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
