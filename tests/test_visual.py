"""Visual regression: every page of the examples, in both built-in themes,
against approved reference images in tests/reference/<theme>/.

After an intended layout change, regenerate them with `make approve` and
look at the changed images in the diff before committing them.

The comparison tolerates what differs between machines, not what differs
between layouts: pages are compared in 16 shades of grey at 60 dpi, and a
pixel counts as changed only if no pixel within one pixel of it in the other
image is within 64 shades of it (antialiasing and sub-pixel shifts pass; an
element moved by a millimetre or more does not).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from briefpers.preview import Preview, preview

from .conftest import EXAMPLES, have
from .pdf_measure import copy_theme, no_user_config

pytestmark = pytest.mark.skipif(not have("pdftoppm"), reason="pdftoppm (poppler) is missing")

REFERENCE = Path(__file__).resolve().parent / "reference"
THEMES = ("rijk", "plain")
DPI = 60
SHADES = 64  # a pixel differs if it is further than this from all its neighbours
LIMIT = 0.0005  # fraction of a page's pixels that may differ (about 170 at 60 dpi)


def render(source: Path, theme: str) -> Preview:
    with no_user_config():
        return preview(source, theme=theme, dpi=DPI, gray=True)


def image(png: bytes | Path) -> Image.Image:
    data = png.read_bytes() if isinstance(png, Path) else png
    return Image.open(io.BytesIO(data)).convert("L")


def unexplained(a: Image.Image, b: Image.Image) -> Image.Image:
    """Pixels of `a` that no pixel of `b` within one pixel comes close to."""
    low = b.filter(ImageFilter.MinFilter(3))
    high = b.filter(ImageFilter.MaxFilter(3))
    off = ImageChops.lighter(ImageChops.subtract(low, a), ImageChops.subtract(a, high))
    return off.point(lambda v: 255 if v > SHADES else 0)


def difference(page: bytes, reference: Path) -> tuple[float, Image.Image]:
    """The fraction of changed pixels (both ways), and a mask of them."""
    a, b = image(page), image(reference)
    if a.size != b.size:
        return 1.0, a
    mask = ImageChops.lighter(unexplained(a, b), unexplained(b, a))
    return mask.histogram()[255] / (a.width * a.height), mask


def references(theme: str, stem: str) -> list[Path]:
    found = (REFERENCE / theme).glob(f"{stem}-*.png")
    return sorted(found, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("theme", THEMES)
def test_pages_match_the_approved_images(theme: str, source: Path, tmp_path: Path) -> None:
    approved = references(theme, source.stem)
    assert approved, f"no reference images for {theme}/{source.stem}: run `make approve`"
    pages = render(source, theme).pages
    assert len(pages) == len(approved), "the page count changed"
    for number, (page, reference) in enumerate(zip(pages, approved, strict=True), 1):
        changed, mask = difference(page, reference)
        if changed >= LIMIT:  # keep the evidence for the person who looks
            (tmp_path / f"page-{number}.png").write_bytes(page)
            mask.save(tmp_path / f"page-{number}-changed.png")
        assert changed < LIMIT, (
            f"page {number} differs from {reference.name} in {changed:.2%} of its pixels; "
            f"see {tmp_path}; if intended, run `make approve`"
        )


def test_a_moved_element_is_detected(tmp_path: Path) -> None:
    """The recipient moved down by 3 mm in a copy of the theme: page 1 fails,
    the pages it does not touch still pass."""
    seed = next(p for p in EXAMPLES if p.stem == "navo-ministeriele-2022")
    moved = copy_theme("rijk", tmp_path / "rijk", ".recipient { top: 59.8mm; }")
    pages = render(seed, str(moved)).pages
    approved = references("rijk", seed.stem)
    assert difference(pages[0], approved[0])[0] >= LIMIT
    assert all(difference(p, r)[0] < LIMIT for p, r in zip(pages[1:], approved[1:], strict=True))


def test_a_one_pixel_shift_is_tolerated() -> None:
    """Rendering noise between machines must not fail the test."""
    seed = next(p for p in EXAMPLES if p.stem == "navo-ministeriele-2022")
    reference = references("rijk", seed.stem)[1]
    shifted = image(reference).transform(
        image(reference).size, Image.Transform.AFFINE, (1, 0, -1, 0, 1, 0), fillcolor=255
    )
    out = io.BytesIO()
    shifted.save(out, format="PNG")
    assert difference(out.getvalue(), reference)[0] < LIMIT


def test_preview_command_writes_one_png_per_page(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from briefpers.cli import main

    monkeypatch.setenv("BRIEFPERS_CONFIG", "")
    seed = next(p for p in EXAMPLES if p.stem == "navo-ministeriele-2022")
    (tmp_path / f"{seed.stem}-4.png").write_bytes(b"an earlier, longer preview")
    result = CliRunner().invoke(main, ["preview", str(seed), "-o", str(tmp_path), "--dpi", "20"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{seed.stem}-{n}.png" for n in (1, 2, 3)]
    first = Image.open(tmp_path / names[0])
    assert first.size == pytest.approx((210 / 25.4 * 20, 297 / 25.4 * 20), abs=1)


def test_missing_pdftoppm_is_a_dependency_error(monkeypatch) -> None:
    from click.testing import CliRunner

    from briefpers import preview as module
    from briefpers.cli import main
    from briefpers.errors import DependencyError, ExitCode

    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    with pytest.raises(DependencyError, match="poppler"):
        module.rasterise(b"%PDF-")
    seed = EXAMPLES[0]
    result = CliRunner().invoke(main, ["preview", str(seed), "-o", "/nonexistent/never"])
    assert result.exit_code == ExitCode.DEPENDENCY
    assert "pdftoppm is not installed" in result.output
