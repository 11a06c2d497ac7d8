"""veraPDF over what the render work lets through: normalised characters, converted
images, a fallback font, embedded files, spans and links at their limits.

One JVM for all files. Every PDF here was built with exit 0, so every one
must pass both flavours its profile declares, with zero failed rules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefpers.check.verapdf import validate
from briefpers.pipeline import build_letter
from briefpers.source.load import MAX_HREF

from . import test_assets
from .letter_kit import image_bytes, letter, make_font, noisy_png, theme_copy

pytestmark = [
    pytest.mark.verapdf,
    pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed"),
]
FLAVOURS = {"pdfa-3a-ua1": {"3a", "ua1"}, "pdfa-2a-ua1": {"2a", "ua1"}}
WORDS = " ".join(f"woord{i}" for i in range(40))


def sources(root: Path) -> dict[str, tuple[Path, str | None]]:
    """name → (source, theme)."""
    found: dict[str, tuple[Path, str | None]] = {}
    found["characters"] = (
        letter(
            root / "characters",
            f"<p>{WORDS}&#x2028;{WORDS}&#x2029;{WORDS}</p>"
            "<p>Een&#x85;twee, &#x2067;שלום&#x2069; &#x202B;עולם&#x202C; &#x200D;&#x3000;x"
            "<note>noot&#x2029;verder</note></p>",
        ),
        None,
    )
    folder = root / "images"
    folder.mkdir()
    figures = {
        "cmyk.jpg": image_bytes("CMYK", (60, 40), (255, 0, 0, 0), "JPEG"),
        "cmyk.tif": image_bytes("CMYK", (60, 40), (0, 0, 255, 0), "TIFF"),
        "grey16.png": image_bytes("I;16", (40, 40), 40000, "PNG"),
        "palette.gif": image_bytes("P", (40, 40), 3, "GIF"),
        "photo.webp": image_bytes("RGB", (40, 40), (10, 200, 30), "WEBP"),
        "noise.png": noisy_png(),
        "map.svg": (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"'
            b' viewBox="100000 400000 150000 100000">'
            b'<path d="M 120000 420000 L 240000 480000 L 130000 490000 Z" fill="#456"/></svg>'
        ),
    }
    for name, data in figures.items():
        (folder / name).write_bytes(data)
    body = "".join(f'<figure src="{n}" alt="Figuur {n}"/>' for n in figures)
    found["images"] = (letter(folder, f"<p>Figuren.</p>{body}"), None)
    theme = theme_copy(
        root / "theme",
        "proef",
        '[fonts.fallback]\nfamily = "Proef Fallback"\nregular = "fallback.ttf"\n',
    )
    make_font(theme / "fallback.ttf", [0x20, 0x4E2D, 0x6587, 0x1F680], "Proef Fallback")
    found["fallback"] = (letter(root / "fallback", "<p>Chinees 中文 en 🚀.</p>"), str(theme))
    (root / "assets").mkdir()
    found["assets"] = (test_assets.make(root / "assets")[0], None)
    href = "https://example.org/" + "a" * (MAX_HREF - 20)
    found["limits"] = (
        letter(
            root / "limits",
            f'<p>Zie <a href="{href}">de bron</a>.</p>'
            '<table><tr><td colspan="1000">a</td></tr>'
            '<tr><td rowspan="65534">b</td><td>c</td></tr></table>',
        ),
        None,
    )
    # Irregular tables (short rows, empty cells, spans past the end) are legal
    # HTML, but PDF/UA wants every row to have the same number of columns.
    found["tables"] = (
        letter(
            root / "tables",
            "<table><tr><th>A</th><th>B</th><th rowspan='9'>C</th></tr>"
            "<tr><td>1</td></tr><tr><td/><td> </td><td><br/></td><td>4</td></tr>"
            "<tr><td rowspan='2' colspan='2'>x</td></tr></table>",
        ),
        None,
    )
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("render-verapdf")
    out = {}
    for name, (source, theme) in sources(root).items():
        for profile in FLAVOURS:
            path = root / "out" / profile / f"{name}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(build_letter(source, theme=theme, profile=profile).pdf)
            out[(profile, name)] = path
    return out


def test_everything_built_passes_verapdf(built) -> None:
    verdicts = validate(list(built.values()))
    failures = []
    for (profile, name), verdict in zip(built, verdicts, strict=True):
        assert verdict.error is None, (name, verdict.error)
        assert {f.flavour for f in verdict.flavours} == FLAVOURS[profile], name
        failures += [
            (profile, name, rule.rule_id) for f in verdict.flavours for rule in f.failed_rules
        ]
    assert failures == []
