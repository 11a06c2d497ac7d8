"""A font's code points read by HarfBuzz (render.font_cmap), as fontTools reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from briefpers.errors import AssetError, ExitCode
from briefpers.pipeline import build_letter
from briefpers.render import font_cmap, glyphs
from briefpers.themes import data_root

from .letter_kit import letter, make_font, theme_copy

FONTS = sorted((data_root() / "styles" / "fonts").rglob("*.ttf"))


def fonttools_cmap(path: Path) -> frozenset[int]:
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def test_harfbuzz_is_there() -> None:
    # WeasyPrint needs HarfBuzz too: without it the fontTools path runs (slower).
    assert font_cmap.available()


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_the_bundled_fonts_as_fonttools_reads_them(path: Path) -> None:
    assert font_cmap.unicodes(path.read_bytes()) == fonttools_cmap(path)


@pytest.mark.parametrize(
    "codes",
    [
        [0x20, 0x41, 0x42, 0x43],
        [0x20, 0x4E2D, 0x6587, 0xFFFD],
        [0x20, 0x1F680, 0x10FFFD, 0x20000],  # beyond the BMP: a format 12 subtable
    ],
)
def test_made_fonts_as_fonttools_reads_them(tmp_path: Path, codes: list[int]) -> None:
    path = make_font(tmp_path / "made.ttf", codes, "Proef")
    assert font_cmap.unicodes(path.read_bytes()) == fonttools_cmap(path) == frozenset(codes)


@pytest.mark.parametrize("data", [b"", b"not a font at all", b"\x00\x01\x00\x00" + b"\x00" * 64])
def test_what_is_not_a_font_is_refused(data: bytes) -> None:
    with pytest.raises(font_cmap.UnreadableFontError):
        font_cmap.unicodes(data)


def test_a_theme_font_that_is_no_font_is_an_asset_error(tmp_path: Path) -> None:
    theme = theme_copy(
        tmp_path / "theme",
        "proef",
        '[fonts.fallback]\nfamily = "Proef Fallback"\nregular = "fallback.ttf"\n',
    )
    make_font(theme / "fallback.ttf", [0x20, 0x41], "Proef Fallback")
    data = (theme / "fallback.ttf").read_bytes()
    (theme / "fallback.ttf").write_bytes(b"\x00" * len(data))  # same size, no font
    path = letter(tmp_path / "letter", "<p>Tekst.</p>")
    with pytest.raises(AssetError) as info:
        build_letter(path, theme=str(theme))
    assert info.value.exit_code == ExitCode.ASSET
    assert info.value.message == "cannot read the font: HarfBuzz finds no glyphs in it"
    assert str(info.value.path).endswith("fallback.ttf")


def test_without_harfbuzz_fonttools_reads_the_cmap(monkeypatch, tmp_path: Path) -> None:
    path = make_font(tmp_path / "made.ttf", [0x20, 0x41, 0x1F680], "Proef")
    monkeypatch.setattr(font_cmap, "_native", lambda: None)
    glyphs._cmap.cache_clear()
    assert glyphs.coverage((path,)) == frozenset([0x20, 0x41, 0x1F680])
    glyphs._cmap.cache_clear()
