"""Themes are data: folders found by name, laid over by the user's
configuration (licensed logo and fonts, organisation defaults, labels), read
by code that never asks which theme it renders."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

from briefpers.cli import main
from briefpers.errors import ConfigError, ExitCode, ThemeError
from briefpers.pipeline import build_letter, render_letter_html
from briefpers.render.html import css_string
from briefpers.settings import Settings
from briefpers.themes import DEFAULT_THEME, KIND_THEMES, builtin_themes, data_root, load_theme
from briefpers.typeset import SandboxFetcher

from .conftest import INPUT
from .pdf_measure import MM, Measured, build_xml, copy_theme, letter_xml

SEED = INPUT / "navo-ministeriele-2022.xml"
FONTS = data_root() / "styles" / "fonts" / "dejavu"


@pytest.fixture(autouse=True)
def no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFPERS_CONFIG", "")
    monkeypatch.delenv("BRIEFPERS_THEME_PATH", raising=False)


def configure(monkeypatch: pytest.MonkeyPatch, folder: Path, text: str) -> Path:
    config = folder / "config.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("BRIEFPERS_CONFIG", str(config))
    return config


def env() -> Settings:
    """The settings of the (monkeypatched) environment, read as the CLI reads them."""
    return Settings.from_env()


def logo_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (130, 371), (200, 30, 30)).save(path)
    return path


# Built-in themes -------------------------------------------------------------


def test_builtin_themes_load_with_their_own_fonts() -> None:
    assert {"rijk", "plain"} <= set(builtin_themes())
    families: dict[str, str] = {}
    for name in builtin_themes():
        theme = load_theme(name)
        assert theme.name == name and theme.stylesheet.is_file()
        assert all(face.path.is_file() for face in theme.fonts)
        # Fonts are registered per process: two themes must never share a
        # family name for different files.
        for face in theme.fonts:
            assert families.setdefault(face.family, name) == name
    assert load_theme("rijk").logo is not None and load_theme("plain").logo is None


def test_no_theme_is_special_cased_in_code() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "briefpers"
    for path in src.rglob("*.py"):
        for name in builtin_themes():
            # A letter kind of the same name ("kamerstuk") is source vocabulary:
            # the model and the importers (and the official XML) use the word.
            if name in KIND_THEMES and path.parent.name in ("source", "importers"):
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if re.search(rf"[\"']{name}[\"']", line):
                    # The default, and the layout each letter kind gets by default.
                    assert path.name == "themes.py"
                    assert line.startswith(("DEFAULT_THEME", "KIND_THEMES"))


def test_letter_attribute_selects_the_theme_and_option_overrides(tmp_path: Path) -> None:
    xml = letter_xml("<p>Tekst.</p>", theme="plain")
    chosen = build_xml(xml, tmp_path, "chosen")
    assert any("Plain-Serif" in f for r in chosen.runs(1) for f in r.fonts)
    overridden = build_xml(xml, tmp_path, "overridden", theme="rijk")
    assert all(f.startswith("Rijk-") for r in overridden.runs(1) for f in r.fonts)


def test_labels_fall_back_to_the_theme_language() -> None:
    # Spanish: a language CLDR knows, for which neither theme ships labels.
    assert load_theme("plain").labels_for("es")["page"] == "Page"
    assert load_theme("rijk").labels_for("es")["page"] == "Pagina"
    assert load_theme("plain").labels_for("nl-NL")["page_of"] == "van"


def test_theme_by_folder_and_template_override(tmp_path: Path) -> None:
    theme = copy_theme("rijk", tmp_path / "mine")
    (theme / "templates").mkdir()
    (theme / "templates" / "letter.html.j2").write_text(
        '{% extends "base/letter.html.j2" %}'
        '{% block closing %}<p class="closing">Met vriendelijke groet,</p>{% endblock %}',
        encoding="utf-8",
    )
    html = render_letter_html(SEED, theme=str(theme))
    assert '<p class="closing">Met vriendelijke groet,</p>' in html
    assert '<aside class="colofon">' in html  # the rest is the base template's


def test_plain_template_signs_name_first() -> None:
    html = render_letter_html(SEED, theme="plain")
    assert html.index('class="name">W.B. Hoekstra') < html.index(
        'class="function">De minister van Buitenlandse Zaken,'
    )
    assert "@bottom-center" in html and '"Pagina "' in html


def test_unknown_theme_is_an_asset_error() -> None:
    with pytest.raises(ThemeError, match="no theme 'nope'"):
        load_theme("nope")


def test_css_strings_are_escaped() -> None:
    assert css_string('Pa"ge</style>') == '"Pa\\22 ge\\3C /style\\3E "'


# The user's configuration ------------------------------------------------------


def test_configured_logo_replaces_the_emblem(monkeypatch, tmp_path: Path) -> None:
    logo = logo_png(tmp_path / "licensed" / "logo.png")
    configure(
        monkeypatch,
        tmp_path,
        '[themes.rijk]\nlogo = {path = "licensed/logo.png", alt = "Rijksoverheid"}\n',
    )
    theme = load_theme("rijk", env())
    assert theme.logo == logo.resolve() and theme.logo_alt == "Rijksoverheid"
    assert theme.config == (tmp_path / "config.toml").resolve()
    # The sandbox admits exactly the configured file, not its folder.
    assert logo.resolve() in theme.asset_roots and logo.parent.resolve() not in theme.asset_roots
    fetcher = SandboxFetcher(theme.asset_roots)
    assert fetcher.why_refused(logo.resolve().as_uri()) is None
    neighbour = logo_png(tmp_path / "licensed" / "other.png")
    assert fetcher.why_refused(neighbour.resolve().as_uri()) is not None

    # In the PDF: an image, not the emblem's vector drawing, fills the slot.
    pdf = Measured(build_letter(SEED, settings=env()).pdf)
    slot = max(pdf.boxes[0], key=lambda b: (b.x1 - b.x0) * (b.bottom - b.top))
    assert abs(slot.x0 - 98.5) < 0.1 and abs(slot.x1 - 111.5) < 0.1
    assert abs(slot.top) < 0.1 and abs(slot.bottom - 37.125) < 0.1
    with pikepdf.open(io.BytesIO(pdf.pdf)) as doc:
        xobjects = doc.pages[0].Resources.XObject
        assert any(x.get("/Subtype") == "/Image" for x in xobjects.values())


def test_configured_font_replaces_a_role(monkeypatch, tmp_path: Path) -> None:
    before = render_letter_html(SEED, settings=env())
    configure(monkeypatch, tmp_path, f'[themes.rijk]\nfonts.sans = "{FONTS / "DejaVuSerif.ttf"}"\n')
    theme = load_theme("rijk", env())
    sans = [f for f in theme.fonts if f.family == "Rijk Sans"]
    assert [(f.weight, f.style, f.path.name) for f in sans] == [
        ("normal", "normal", "DejaVuSerif.ttf")  # the role is replaced as a whole
    ]
    after = render_letter_html(SEED, settings=env())
    assert "DejaVuSerif.ttf" in after.split("Rijk Sans", 1)[1].split(";")[3]
    assert before != after


def built_in_a_new_process(out: Path) -> Measured:
    """WeasyPrint registers a family's fonts once per process (the first file
    wins): a changed configuration takes effect in a new process, as in use."""
    code = (
        "from briefpers.pipeline import build_letter; from briefpers.settings import Settings;"
        f"open({str(out)!r}, 'wb').write(build_letter({str(SEED)!r},"
        " settings=Settings.from_env()).pdf)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    return Measured(out.read_bytes())


@pytest.mark.slow
def test_configured_font_changes_the_pdf(monkeypatch, tmp_path: Path) -> None:
    def width_of_i(measured: Measured) -> float:
        """DejaVu Sans "i" is 0.278 em wide, DejaVu Serif "i" 0.320 em."""
        return next(x1 - x0 for t, x0, x1, size in measured.chars[0] if t == "i" and size == 9)

    default = built_in_a_new_process(tmp_path / "default.pdf")
    configure(monkeypatch, tmp_path, f'[themes.rijk]\nfonts.sans = "{FONTS / "DejaVuSerif.ttf"}"\n')
    licensed = built_in_a_new_process(tmp_path / "licensed.pdf")
    assert width_of_i(default) * MM / 9 == pytest.approx(0.278, abs=0.002)
    assert width_of_i(licensed) * MM / 9 == pytest.approx(0.320, abs=0.002)


def test_missing_configured_asset_fails_clearly(monkeypatch, tmp_path: Path) -> None:
    config = configure(monkeypatch, tmp_path, '[themes.rijk]\nlogo = "/no/such/logo.svg"\n')
    with pytest.raises(ThemeError) as caught:
        load_theme("rijk", env())
    message = str(caught.value)
    assert str(config.resolve()) in message and "/no/such/logo.svg" in message
    assert "[themes.rijk] logo" in message
    result = CliRunner().invoke(main, ["html", str(SEED)])
    assert result.exit_code == ExitCode.ASSET == 4
    assert "/no/such/logo.svg does not exist" in result.output


def test_missing_font_file_fails_clearly(monkeypatch, tmp_path: Path) -> None:
    configure(monkeypatch, tmp_path, '[themes.rijk.fonts.serif]\nregular = "RO-Serif.ttf"\n')
    with pytest.raises(ThemeError, match=r"fonts\.serif\.regular: .*RO-Serif\.ttf does not exist"):
        load_theme("rijk", env())


def test_missing_config_file_named_by_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFPERS_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match="BRIEFPERS_CONFIG"):
        env()
    result = CliRunner().invoke(main, ["html", str(SEED)])
    assert result.exit_code == ExitCode.USAGE, result.output  # a setting: before any work


def test_config_in_xdg_home_is_found(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BRIEFPERS_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "briefpers").mkdir()
    (tmp_path / "briefpers" / "config.toml").write_text("[themes.rijk]\nlogo = false\n")
    assert load_theme("rijk", env()).logo is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[themes.rijk]\nlogo_path = 'x.svg'\n", "unknown key 'logo_path'"),
        ("[themes.rijk]\nstylesheet = 'mine.css'\n", "unknown key 'stylesheet'"),
        ("[themes.rijk.fonts.sans]\nblack = 'x.ttf'\n", "unknown face 'black'"),
        ("[themes.rijk.sender]\norganisation = 'X'\n", "not a default a theme can set"),
        ("[themes.rijk\n", "not valid TOML"),
    ],
)
def test_config_mistakes_are_reported(monkeypatch, tmp_path: Path, text: str, error: str) -> None:
    """A wrong setting is the operator's mistake: a usage error (exit 2) naming the file."""
    config = configure(monkeypatch, tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(error)) as caught:
        load_theme("rijk", env())
    assert str(config.resolve()) in str(caught.value) or str(config) in str(caught.value)


def test_organisation_defaults_and_labels_from_config(monkeypatch, tmp_path: Path) -> None:
    configure(
        monkeypatch,
        tmp_path,
        "[themes.rijk.sender]\n"
        'email = "post@example.org"\n'
        'phone = "000 000 00 00"\n'
        'postal_address = ["Postbus 1", "2500 AA  Den Haag"]\n'
        "[themes.rijk.labels.nl]\n"
        'page = "Blad"\n',
    )
    html = render_letter_html(SEED, settings=env())
    assert "post@example.org" in html  # filled in: the letter has no e-mail
    assert "000 000 00 00" not in html and "070 348 64 86" in html  # the letter's own wins
    assert "Postbus 20061" in html and "Postbus 1<" not in html
    assert '"Blad " counter(page) " van "' in html
    assert load_theme("rijk", env()).labels_for("nl")["date"] == "Datum"  # merged, not replaced


def test_theme_path_from_config(monkeypatch, tmp_path: Path) -> None:
    copy_theme("plain", tmp_path / "themes" / "house")
    toml = tmp_path / "themes" / "house" / "theme.toml"
    toml.write_text(toml.read_text().replace('name = "plain"', 'name = "house"'))
    configure(monkeypatch, tmp_path, 'theme_path = ["themes"]\n')
    theme = load_theme("house", env())
    assert theme.name == "house" and theme.root == (tmp_path / "themes" / "house").resolve()
    assert DEFAULT_THEME == "rijk"
