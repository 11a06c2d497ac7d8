"""Small real inputs for the render tests: letters, images, a font, a theme."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf

from briefpers.themes import data_root

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="nl">
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation></sender>
  <recipient><line>De Voorzitter</line></recipient>
  <date>2023-05-19</date>
  <subject>Een onderwerp</subject>
  <body>
"""
BODY_LINE = HEAD.count("\n") + 1  # the line the body's first block starts on


def letter(folder: Path, body: str, *, after: str = "", name: str = "letter.xml") -> Path:
    """A letter whose body (starting on line BODY_LINE) is `body`; `after` follows the body."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{HEAD}{body}\n  </body>\n{after}</letter>\n", encoding="utf-8")
    return path


def signatory(src: str, alt: str = "Handtekening") -> str:
    return (
        "<signatories><signatory><function>De minister,</function>"
        f'<signature src="{src}" alt="{alt}"/><name>A. Voorbeeld</name></signatory>'
        "</signatories>\n"
    )


def image_bytes(mode: str, size: tuple[int, int], colour, fmt: str, **options) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **options)
    return out.getvalue()


def noisy_png(size: tuple[int, int] = (120, 80), fmt: str = "PNG") -> bytes:
    """An image that does not compress to nothing, so cutting it loses pixels."""
    import random

    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", size)
    image.putdata([(rng.randrange(256),) * 3 for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_font(path: Path, codes: list[int], family: str) -> Path:
    """A real TrueType font whose glyphs for `codes` are boxes (space: empty)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def box():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 700))
        pen.lineTo((900, 700))
        pen.lineTo((900, 0))
        pen.closePath()
        return pen.glyph()

    names = [".notdef", *(f"u{c:X}" for c in codes)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({c: f"u{c:X}" for c in codes})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({n: empty if n in (".notdef", "u20") else box() for n in names})
    builder.setupHorizontalMetrics({n: (1000, 100) for n in names})
    builder.setupHorizontalHeader(ascent=900, descent=-200)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=900, sTypoDescender=-200, usWinAscent=900, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))
    return path


def theme_copy(folder: Path, name: str, extra_toml: str = "", replace=()) -> Path:
    """The `rijk` theme copied to `folder` under another name, theme.toml amended."""
    shutil.copytree(data_root() / "styles" / "rijk", folder)
    toml = (folder / "theme.toml").read_text(encoding="utf-8")
    toml = toml.replace('name = "rijk"', f'name = "{name}"')
    for old, new in replace:
        assert old in toml, old
        toml = toml.replace(old, new)
    (folder / "theme.toml").write_text(toml + "\n" + extra_toml, encoding="utf-8")
    return folder


def embedded_fonts(pdf_bytes: bytes) -> dict[str, str]:
    """BaseFont name → the family name inside the embedded font program."""
    from fontTools.ttLib import TTFont

    found = {}
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = obj.get("/FontFile2") or obj.get("/FontFile3") or obj.get("/FontFile")
                with TTFont(io.BytesIO(program.read_bytes())) as font:
                    found[str(obj.FontName)] = font["name"].getBestFamilyName()
    return found


def images(pdf_bytes: bytes) -> list[tuple[str, object]]:
    """(colour space, first pixel) of every image XObject that is not a soft mask."""
    found = []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        masks = {
            o.SMask.objgen for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/SMask" in o
        }
        for obj in pdf.objects:
            if (
                isinstance(obj, pikepdf.Stream)
                and obj.get("/Subtype") == "/Image"
                and obj.objgen not in masks
            ):
                pixel = pikepdf.PdfImage(obj).as_pil_image().getpixel((1, 1))
                found.append((str(obj.ColorSpace), pixel))
    return found
