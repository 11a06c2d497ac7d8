"""Page previews: a letter built in memory, each page rasterised to PNG.

Used by `briefpers preview`, by the visual regression tests and to make the
README's images. Rasterising is poppler's `pdftoppm`, the renderer the
approved reference images were made with.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from briefpers.errors import DependencyError, RenderError
from briefpers.pipeline import build_letter
from briefpers.settings import Settings

DEFAULT_DPI = 60
PAGE_FILE = re.compile(r"-(\d+)\.png$")


@dataclass(frozen=True)
class Preview:
    stem: str
    pages: list[bytes]  # PNG data, page 1 first

    def names(self) -> list[str]:
        """`<stem>-1.png`, `<stem>-2.png` … (zero-padded from ten pages on)."""
        width = len(str(len(self.pages)))
        return [f"{self.stem}-{n:0{width}d}.png" for n in range(1, len(self.pages) + 1)]


def pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise DependencyError(
            "pdftoppm is not installed: it comes with poppler "
            "(Debian/Ubuntu: apt-get install poppler-utils; macOS: brew install poppler)"
        )
    return exe


def rasterise(pdf: bytes, dpi: int = DEFAULT_DPI) -> list[bytes]:
    """PNG images of every page of `pdf`, in page order."""
    exe = pdftoppm()
    with tempfile.TemporaryDirectory(prefix="briefpers-preview-") as tmp:
        folder = Path(tmp)
        (folder / "letter.pdf").write_bytes(pdf)
        done = subprocess.run(
            [exe, "-png", "-r", str(dpi), "letter.pdf", "page"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RenderError(f"pdftoppm failed: {done.stderr.strip() or done.returncode}")
        # pdftoppm pads page numbers to the width of the page count.
        pages = sorted(folder.glob("page-*.png"), key=lambda p: int(PAGE_FILE.search(p.name)[1]))
        return [p.read_bytes() for p in pages]


def gray_png(png: bytes, levels: int = 16) -> bytes:
    """The image in `levels` shades of grey: about a third of the size, and
    enough for a visual comparison (the approved reference images)."""
    from PIL import Image  # a dependency of WeasyPrint; only previews need it

    step = 255 / (levels - 1)
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.point(lambda v: round(round(v / step) * step))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, bits=max(1, (levels - 1).bit_length()))
    return out.getvalue()


def preview(
    source: Path,
    *,
    settings: Settings | None = None,
    theme: str | None = None,
    dpi: int = DEFAULT_DPI,
    gray: bool = False,
) -> Preview:
    """Build `source` in memory and rasterise its pages."""
    pdftoppm()  # fail before the build, not after it
    built = build_letter(source, settings=settings, theme=theme)
    pages = rasterise(built.pdf, dpi)
    return Preview(Path(source).stem, [gray_png(p) for p in pages] if gray else pages)


def stale_pages(out_dir: Path, result: Preview) -> list[Path]:
    """Earlier previews of the same letter that the new one does not overwrite
    (it has fewer pages now, or the page-number padding changed)."""
    keep = set(result.names())
    pattern = re.compile(rf"^{re.escape(result.stem)}-\d+\.png$")
    return sorted(
        p
        for p in out_dir.glob(f"{result.stem}-*.png")
        if pattern.match(p.name) and p.name not in keep
    )
