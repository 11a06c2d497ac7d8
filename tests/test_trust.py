"""The trust boundary: a letter is untrusted, themes and settings are the operator's.

A letter names a theme only by name, looked up on the operator's theme path;
templates render sandboxed; a theme folder's files stay inside it; wrong
settings are usage errors before any work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers.errors import ConfigError, ExitCode, ThemeError
from briefpers.pipeline import build_letter
from briefpers.settings import MAX_EPOCH, Settings, parse_epoch
from briefpers.themes import load_theme

from .pdf_measure import copy_theme, letter_xml

CLI = [sys.executable, "-m", "briefpers.cli"]
# Template code that would run a shell command if Jinja2 were not sandboxed.
PAYLOADS = [
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self.__init__.__globals__['__builtins__']['__import__']('os').system('touch PWNED') }}",
]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFPERS_")}
    environ.update({"BRIEFPERS_CONFIG": "", **env})
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def evil_theme(folder: Path, payload: str) -> Path:
    theme = copy_theme("plain", folder)
    (theme / "theme.toml").write_text(
        (theme / "theme.toml").read_text().replace('name = "plain"', f'name = "{folder.name}"')
    )
    (theme / "templates" / "letter.html.j2").write_text(
        '{% extends "base/letter.html.j2" %}{% block body %}' + payload + "{% endblock %}"
    )
    return theme


def test_a_letter_cannot_pick_a_theme_folder(tmp_path: Path) -> None:
    """The red-team case: `briefpers build input -o output` where a crafted theme
    sits next to the letter (and in the working folder). Nothing runs."""
    (tmp_path / "input").mkdir()
    for where in (tmp_path / "evil", tmp_path / "input" / "evil"):
        evil_theme(where, PAYLOADS[0])
    (tmp_path / "input" / "a.xml").write_text(letter_xml("<p>Tekst.</p>", theme="evil"))
    (tmp_path / "input" / "b.xml").write_text(letter_xml("<p>Tekst.</p>", theme="./evil"))
    done = run(["build", "input", "-o", "output"], tmp_path)
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "input" / "PWNED").exists()
    assert done.returncode == ExitCode.SOME_FAILED, done.stderr
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2, done.stderr
    # Not found on the operator's path; the line names the letter's theme attribute.
    assert "input/a.xml:2:35: error: no theme 'evil'" in done.stderr
    assert "input/b.xml:2:35: error: theme must be the name of a theme" in done.stderr  # a path
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "output").glob("*.pdf"))


def test_a_letter_theme_name_is_looked_up_on_the_operator_path(tmp_path: Path) -> None:
    copy_theme("plain", tmp_path / "themes" / "house")
    source = tmp_path / "letter.xml"
    source.write_text(letter_xml("<p>Tekst.</p>", theme="house"))
    with pytest.raises(ThemeError, match="no theme 'house'"):
        build_letter(source)
    settings = Settings.from_env({"BRIEFPERS_THEME_PATH": str(tmp_path / "themes")})
    assert build_letter(source, settings=settings).theme.root == (tmp_path / "themes" / "house")
    with pytest.raises(ThemeError, match="only by its name"):
        load_theme("../themes/house", settings, operator=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_templates_are_sandboxed_even_for_the_operator(tmp_path: Path, payload: str) -> None:
    """Defence in depth: a theme the operator chose cannot reach Python either."""
    theme = evil_theme(tmp_path / "evil", payload)
    (tmp_path / "letter.xml").write_text(letter_xml("<p>Tekst.</p>"))
    done = run(["build", "letter.xml", "-o", "out", "--theme", str(theme)], tmp_path)
    assert done.returncode == ExitCode.ASSET, done.stderr
    assert not (tmp_path / "PWNED").exists()
    [error] = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert "template error: SecurityError" in error and "letter.html.j2:1" in error
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('logo = "/etc/hostname"', "logo: '/etc/hostname' is outside the theme folder"),
        ('logo = "../secret.png"', "is outside the theme folder"),
        ('stylesheet = "../letter.css"', "stylesheet: '../letter.css' is outside"),
        ('[fonts.sans]\nregular = "/usr/share/fonts/x.ttf"', "fonts.sans.regular: "),
        ('logo = "link.png"', "logo: 'link.png' is outside the theme folder"),
        ("stylesheet = 5", "stylesheet must be a string"),
        ("labels = 5", "labels must be a table"),
        ("[labels.nl]\ndate = 5", "labels.nl must be a table of strings"),
        ('logo = { path = "emblem.svg", alt = 5 }', "logo.alt must be a string"),
    ],
)
def test_theme_files_stay_inside_the_theme_folder(tmp_path: Path, toml: str, message: str) -> None:
    theme = copy_theme("plain", tmp_path / "t")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    (theme / "link.png").symlink_to(tmp_path / "secret.png")
    (theme / "emblem.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    # A minimal theme.toml: the key under test, and the name before any table.
    (theme / "theme.toml").write_text(f'name = "t"\n{toml}\n')
    with pytest.raises(ThemeError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_theme(str(theme), Settings())


def test_wrong_settings_stop_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "letter.xml").write_text(letter_xml("<p>Tekst.</p>"))
    config = tmp_path / "config.toml"
    for text, message in [
        ("theme_path = 5\n", "theme_path must be a folder or a list of folders"),
        ("[themes]\nrijk = 3\n", "[themes.rijk] must be a table"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("[themes.rijk]\nlogo = 7\n", "[themes.rijk] logo must be a path"),
        ("[themes.rijk.labels]\nnl = 'x'\n", "labels.nl must be a table of strings"),
    ]:
        config.write_text(text)
        done = run(["build", "letter.xml", "-o", "out"], tmp_path, BRIEFPERS_CONFIG=str(config))
        assert done.returncode == ExitCode.USAGE, (text, done.stderr)
        assert message in done.stderr and str(config) in done.stderr, done.stderr
        assert not (tmp_path / "out").exists(), text


@pytest.mark.parametrize("raw", ["1e9", "-5", "١٢٣", "12 34", str(MAX_EPOCH + 1), "9" * 40])
def test_source_date_epoch_must_be_plain_seconds(raw: str) -> None:
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        parse_epoch(raw)


def test_source_date_epoch_accepted_forms() -> None:
    assert parse_epoch(None) is None and parse_epoch("  ") is None
    assert parse_epoch(" 1700000000\n") == 1700000000
    assert Settings.from_env({"SOURCE_DATE_EPOCH": str(MAX_EPOCH)}).build_moment().year == 9999
