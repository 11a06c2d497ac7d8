"""An office copies a built-in theme to make its own: the copy works wherever it lies, and
a copy that keeps the original's font family names never mixes fonts with it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf

from briefpers.pipeline import build_letter
from briefpers.themes import data_root

ROOT = Path(__file__).resolve().parents[1]
WATER = ROOT / "input" / "water-quality-2023.xml"


def _fonts(pdf: bytes) -> set[str]:
    """The family names inside the embedded font programs (the PDF's font names are
    the theme's CSS families, the same for a copy)."""
    from fontTools.ttLib import TTFont

    names = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
                for descendant in font.get("/DescendantFonts", [font]):
                    program = descendant.get("/FontDescriptor", {}).get("/FontFile2")
                    if program is not None:
                        ttf = TTFont(io.BytesIO(program.read_bytes()))
                        names.add(ttf["name"].getDebugName(1))
    return names


def _body_font(pdf: bytes) -> str:
    """The font program that sets most characters of page 1 (the body text)."""
    from collections import Counter

    import pdfplumber
    from fontTools.ttLib import TTFont

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        used = Counter(char["fontname"] for char in doc.pages[0].chars)
    name = used.most_common(1)[0][0]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for font in doc.pages[0].obj["/Resources"]["/Font"].values():
            if str(font["/BaseFont"]).lstrip("/") == name:
                [descendant] = font["/DescendantFonts"]
                program = descendant["/FontDescriptor"]["/FontFile2"].read_bytes()
                return TTFont(io.BytesIO(program))["name"].getDebugName(1)
    raise AssertionError(name)


def test_a_copied_theme_works_where_it_lies(tmp_path: Path) -> None:
    copy = tmp_path / "huisstijl"
    shutil.copytree(data_root() / "styles" / "rijk", copy)
    built = build_letter(WATER, theme=str(copy))
    original = build_letter(WATER, theme="rijk")
    assert built.pages == original.pages == 2
    assert _fonts(built.pdf) == _fonts(original.pdf)
    assert built.theme.stylesheet.is_relative_to(copy.resolve())


def test_a_copy_with_the_same_family_names_never_mixes_fonts(tmp_path: Path) -> None:
    """The copy keeps the families 'Rijk Sans' and 'Rijk Serif' but swaps their designs
    (Sans set in DejaVu Serif, Serif in DejaVu Sans): built in one process, in either
    order, each PDF sets its body in its own theme's program."""
    copy = tmp_path / "swapped-rijk"
    shutil.copytree(data_root() / "styles" / "rijk", copy)
    toml = copy / "theme.toml"
    text = toml.read_text()
    faces = ("", "-Bold", "-Oblique", "-BoldOblique")
    serifs = ("", "-Bold", "-Italic", "-BoldItalic")
    swapped = text.replace('regular = "dejavu/DejaVuSerif.ttf"', 'regular = "@"')
    for sans, serif in zip(faces, serifs, strict=True):
        swapped = swapped.replace(
            f'"dejavu/DejaVuSans{sans}.ttf"', f'"dejavu/DejaVuSerif{serif}.ttf"'
        )
    toml.write_text(swapped.replace('"@"', '"dejavu/DejaVuSans.ttf"'))
    assert toml.read_text().count("DejaVuSerif") == 4
    first = build_letter(WATER, theme="rijk")
    copied = build_letter(WATER, theme=str(copy))
    again = build_letter(WATER, theme="rijk")
    assert again.pdf == first.pdf  # the copy left nothing behind
    assert _body_font(first.pdf) == "DejaVu Sans"
    assert _body_font(copied.pdf) == "DejaVu Serif"
    assert build_letter(WATER, theme=str(copy)).pdf == copied.pdf
