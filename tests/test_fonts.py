"""Closed fonts: the typesetter sees only the theme's fonts, never the machine's.

This machine may have system fonts that could show every character below
(`fonts-wqy-microhei` and `fonts-droid-fallback` have CJK; DejaVu Sans Mono
is nearly everywhere); the tests say so where it matters, and the results
must not depend on them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers import closed_fonts
from briefpers.errors import AssetError, DependencyError, ExitCode, SourceError
from briefpers.pipeline import build_letter
from briefpers.render.html import font_faces
from briefpers.themes import load_theme
from briefpers.typeset import typeset

from .conftest import INPUT
from .letter_kit import BODY_LINE, embedded_fonts, letter, make_font, theme_copy
from .text import pdf_text


def theme_font(families: set[str]) -> re.Pattern[str]:
    """A subset font named after one of the theme's families (WeasyPrint's naming)."""
    names = "|".join(re.escape(f.replace(" ", "-")) for f in sorted(families))
    return re.compile(rf"^/[A-Z]{{6}}\+({names})(-(Bold|Italic|Oblique))*$")


HARD = "<p>Tekst.</p>\n<p>Chinees 中文, een raket 🚀 en privé \ue000.</p>"


def system_font_for(char: str) -> str | None:
    """A font installed on this machine that has `char` (None if none, or no fc-list)."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(
        ["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True
    ).stdout
    return out.splitlines()[0] if out.strip() else None


def fallback_theme(folder: Path, codes: list[int]) -> Path:
    theme = theme_copy(
        folder,
        "proef",
        '[fonts.fallback]\nfamily = "Proef Fallback"\nregular = "fallback.ttf"\n',
    )
    make_font(theme / "fallback.ttf", codes, "Proef Fallback")
    return theme


def test_a_character_in_no_theme_font_names_line_and_code_point(tmp_path: Path) -> None:
    path = letter(tmp_path, HARD)
    with pytest.raises(AssetError) as info:
        build_letter(path)
    assert info.value.exit_code == ExitCode.ASSET
    assert str(info.value) == (
        f"{path}:{BODY_LINE + 1}: U+4E2D '中' is in none of the theme's fonts "
        "(DejaVu Sans, DejaVu Serif)"
    )
    # Not because the machine lacks a font for it: the theme's fonts are all there is.
    print("system font with U+4E2D:", system_font_for("中"))


@pytest.mark.parametrize(
    ("text", "code"), [("een raket 🚀", "U+1F680 '🚀'"), ("privé \ue000", "U+E000")]
)
def test_emoji_and_private_use(tmp_path: Path, text: str, code: str) -> None:
    path = letter(tmp_path, f"<p>{text}</p>")
    with pytest.raises(AssetError) as info:
        build_letter(path)
    assert info.value.message.startswith(f"{code} ")
    assert info.value.message.endswith(
        "is in none of the theme's fonts (DejaVu Sans, DejaVu Serif)"
    )


def test_the_message_names_the_themes_fonts(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"\(DejaVu Serif, DejaVu Sans\)$"):
        build_letter(letter(tmp_path, "<p>中</p>"), theme="plain")


def test_cli_exit_code_and_one_line(tmp_path: Path) -> None:
    path = letter(tmp_path, HARD)
    result = subprocess.run(
        [sys.executable, "-m", "briefpers.cli", "build", str(path), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert result.returncode == ExitCode.ASSET, result.stderr
    assert errors == [
        f"{path}:{BODY_LINE + 1}: error: U+4E2D '中' is in none of the theme's fonts "
        "(DejaVu Sans, DejaVu Serif)"
    ]
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_a_theme_with_a_fallback_font_builds(tmp_path: Path) -> None:
    theme = fallback_theme(tmp_path / "theme", [0x20, 0x4E2D, 0x6587, 0x1F680])
    path = letter(tmp_path / "letter", "<p>Chinees 中文 en een raket 🚀.</p>")
    pdf = build_letter(path, theme=str(theme)).pdf
    families = embedded_fonts(pdf)
    assert set(families.values()) <= {"DejaVu Sans", "DejaVu Serif", "Proef Fallback"}
    assert "Proef Fallback" in families.values()
    out = tmp_path / "fallback.pdf"
    out.write_bytes(pdf)
    assert "中文" in pdf_text(out)


def test_a_fallback_font_does_not_make_private_use_printable(tmp_path: Path) -> None:
    theme = fallback_theme(tmp_path / "theme", [0x20, 0xE000])
    path = letter(tmp_path / "letter", "<p>x</p>\n<p>privé \ue000</p>")
    with pytest.raises(SourceError) as info:
        build_letter(path, theme=str(theme))
    assert info.value.exit_code == ExitCode.INVALID_SOURCE
    assert info.value.line == BODY_LINE + 1
    assert info.value.message.startswith("U+E000 is a private-use character")


def test_each_theme_has_its_own_fonts(tmp_path: Path) -> None:
    """After a theme with a CJK fallback font ran in this process, another theme
    still cannot print CJK: the fallback font is not in its configuration."""
    theme = fallback_theme(tmp_path / "theme", [0x20, 0x4E2D])
    build_letter(letter(tmp_path / "a", "<p>中</p>"), theme=str(theme))
    rijk = load_theme("rijk")
    with pytest.raises(AssetError, match="U\\+4E2D '中' is in none of the theme's fonts"):
        _typeset_raw(rijk, "<p>中</p>", tmp_path)


def test_examples_embed_only_theme_fonts(built: dict[str, Path]) -> None:
    from briefpers.source.load import load
    from briefpers.themes import theme_for

    for stem, path in built.items():
        theme = load_theme(theme_for(load(INPUT / f"{stem}.xml")))
        fonts = embedded_fonts(path.read_bytes())
        assert fonts, stem
        for name, family in fonts.items():
            assert theme_font({f.family for f in theme.fonts}).match(name), (stem, name)
            assert family in {"DejaVu Sans", "DejaVu Serif"}, (stem, name, family)


def test_system_fonts_are_invisible(tmp_path: Path) -> None:
    """HTML that asks for installed system fonts by name gets a theme font."""
    wanted = ["DejaVu Sans Mono", "WenQuanYi Micro Hei", "Droid Sans Fallback"]
    installed = [f for f in wanted if _installed(f)]
    if not installed:
        pytest.skip("none of the system fonts this test asks for is installed")
    families = ", ".join(f"'{f}'" for f in installed)
    pdf = _typeset_raw(
        load_theme("rijk"), f'<p style="font-family: {families}, monospace">Tekst</p>', tmp_path
    )
    assert set(embedded_fonts(pdf).values()) <= {"DejaVu Sans", "DejaVu Serif"}


def test_a_notdef_from_the_theme_itself_is_an_error(tmp_path: Path) -> None:
    """A label the theme prints (not in the source) is caught after layout."""
    theme = theme_copy(tmp_path / "theme", "labels", replace=[('date = "Datum"', 'date = "日付"')])
    with pytest.raises(AssetError) as info:
        build_letter(letter(tmp_path / "letter", "<p>x</p>"), theme=str(theme))
    assert info.value.message == (
        "U+65E5 '日' is in none of the theme's fonts (in text the theme adds: "
        "a label, the date or the stylesheet)"
    )


def test_the_workaround_checks_its_contract() -> None:
    from weasyprint.text.fonts import FontConfiguration

    closed = closed_fonts.closed_configuration()
    closed_fonts.verify(closed)  # ours: no system font
    with pytest.raises(DependencyError, match="system fonts"):
        closed_fonts.verify(FontConfiguration())  # WeasyPrint's own: the machine's fonts


def _installed(family: str) -> bool:
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return any(family in line.split(",") for line in out.splitlines())


def _typeset_raw(theme, body: str, folder: Path) -> bytes:
    html = (
        f'<!DOCTYPE html><html lang="nl"><head><title>t</title><style>{font_faces(theme)}'
        f"</style></head><body>{body}</body></html>"
    )
    return typeset(
        html,
        stylesheet_path=theme.stylesheet,
        asset_roots=theme.asset_roots,
        base_dir=folder,
        fonts=[face.path for face in theme.fonts],
    ).pdf
