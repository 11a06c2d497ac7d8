"""The office settings file (briefpers.toml): read once through Settings, flags override,
mistakes name the file and line, sections go to the parsers that registered them."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers import office
from briefpers.cli import main
from briefpers.errors import ConfigError, ExitCode
from briefpers.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WATER = ROOT / "input" / "water-quality-2023.xml"
NAVO = ROOT / "input" / "navo-ministeriele-2022.xml"


def _write(folder: Path, text: str, name: str = "briefpers.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        office.load(path)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.path == str(path)
    return caught.value


def test_every_key_is_read_and_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    jar = _write(tmp_path / "tools", "not a jar", "verapdf.jar")
    path = _write(
        tmp_path / "office",
        'theme = "./huisstijl"\nprofile = "pdfa-2a-ua1"\noutput = "archief"\njobs = 2\n'
        f'strict = true\nvalidate = false\nverapdf = "{jar}"\n',
    )
    read = office.load(path)
    base = path.parent.resolve()
    assert read.theme == str(base / "huisstijl")  # a folder: the operator's own
    assert (read.profile, read.output, read.jobs) == ("pdfa-2a-ua1", base / "archief", 2)
    assert (read.strict, read.validate, read.verapdf) == (True, False, jar)
    assert office.load(_write(tmp_path, 'theme = "plain"\n')).theme == "plain"  # a name


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            "theme = 'rijk'\n\noutptu = 'x'\n",
            3,
            1,
            "unknown setting 'outptu' (did you mean 'output'?)",
        ),
        ("jobs = 0\n", 1, 1, "jobs must be a whole number from 1, found 0"),
        ("  strict = 'yes'\n", 1, 3, "strict must be true or false, found 'yes'"),
        (
            "profile = 'pdfa-3a-ua'\n",
            1,
            1,
            "profile must be one of pdfa-3a-ua1, pdfa-2a-ua1, pdfa-4f-ua2, found 'pdfa-3a-ua' "
            "(did you mean 'pdfa-3a-ua1'?)",
        ),
        ("verapdf = 'no-such.jar'\n", 1, 1, "verapdf must be the path of a veraPDF"),
        ("# a comment\n[sgin]\nkey = 1\n", 2, 1, "unknown section [sgin]"),
        ("theme = \n", 1, 9, "not valid TOML"),
    ],
)
def test_mistakes_name_the_file_and_line(
    tmp_path: Path, text: str, line: int, column: int, message: str
) -> None:
    error = _refused(_write(tmp_path, text))
    assert (error.line, error.column) == (line, column)
    assert message in error.message


def test_sections_go_to_their_registered_parser(tmp_path: Path, monkeypatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class SignDefaults:
        level: str
        key: Path

        @classmethod
        def from_table(cls, table: dict, *, base: Path) -> SignDefaults:
            office.check_keys(table, {"level", "key"}, "sign")
            if table.get("level") not in ("B-B", "B-T"):
                raise office.SettingError("level must be B-B or B-T", key="level")
            return cls(table["level"], base / table["key"])

    monkeypatch.setitem(office.SECTIONS, "sign", SignDefaults.from_table)
    monkeypatch.setitem(office.SECTIONS, "mdto", lambda table: dict(table))
    path = _write(
        tmp_path,
        'theme = "rijk"\n\n[sign]\nlevel = "B-T"\nkey = "keys/office.p12"\n\n'
        '[mdto]\nappraisal = "B"\n',
    )
    read = Settings.from_env({"BRIEFPERS_CONFIG": ""}, office_file=path).office
    assert read.section("sign") == SignDefaults("B-T", tmp_path.resolve() / "keys/office.p12")
    assert read.section("mdto") == {"appraisal": "B"}
    assert read.section("absent") is None

    _write(tmp_path, '[sign]\nlevel = "B-T"\nkey = "k"\nlevle = "B-B"\n')
    error = _refused(path)
    assert (error.line, error.column) == (4, 1)
    assert "unknown key 'levle' in [sign] (did you mean 'level'?)" in error.message
    _write(tmp_path, '[sign]\nkey = "k"\nlevel = "C"\n')
    error = _refused(path)
    assert (error.line, error.message) == (3, "[sign] level must be B-B or B-T")
    # Sections are imported by name only when a file has them.
    monkeypatch.setitem(office.SECTIONS, "sign", "json:loads")
    assert office.load(_write(tmp_path, 'theme = "rijk"\n')).sections == {}


def test_flags_override_the_file_and_the_file_overrides_defaults(tmp_path, monkeypatch) -> None:
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    shutil.copy(WATER, work / "in")
    _write(work, 'output = "archief"\nprofile = "pdfa-2a-ua1"\njobs = 1\n')
    monkeypatch.chdir(work)
    runner = CliRunner()
    result = runner.invoke(main, ["build", "in", "--report", "-"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["output"], report["profile"]) == ("archief", "pdfa-2a-ua1")
    assert (work / "archief" / "water-quality-2023.pdf").is_file()
    result = runner.invoke(
        main, ["build", "in", "-o", "out", "--profile", "pdfa-3a-ua1", "--report", "-"]
    )
    report = json.loads(result.stdout)
    assert (report["output"], report["profile"]) == ("out", "pdfa-3a-ua1")
    # --config names another file; its paths are relative to it.
    other = _write(tmp_path / "elsewhere", 'output = "pdf"\n', "kantoor.toml")
    result = runner.invoke(main, ["--config", str(other), "build", "in", "--report", "-"])
    assert json.loads(result.stdout)["output"] == str(tmp_path / "elsewhere" / "pdf")


def test_strict_from_the_file_and_no_strict_on_the_command_line(tmp_path, monkeypatch) -> None:
    shutil.copy(NAVO, tmp_path / "navo.xml")  # it has unfilled placeholders
    _write(tmp_path, "strict = true\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["build", "navo.xml"])
    assert result.exit_code == ExitCode.LINT and not (tmp_path / "output").exists()
    assert "error: unfilled placeholder [Afzender]" in result.stderr
    assert runner.invoke(main, ["lint", "navo.xml"]).exit_code == ExitCode.LINT
    result = runner.invoke(main, ["build", "navo.xml", "--no-strict"])
    assert result.exit_code == 0, result.stderr


def test_a_wrong_settings_file_stops_every_command_before_anything(tmp_path, monkeypatch) -> None:
    shutil.copy(WATER, tmp_path / "water.xml")
    path = _write(tmp_path, "jobs = 'many'\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["build", "water.xml"], ["lint", "water.xml"], ["html", "water.xml"]):
        result = runner.invoke(main, args)
        assert result.exit_code == ExitCode.USAGE, args
        assert result.stderr == (
            "briefpers.toml:1:1: error: jobs must be a whole number from 1, found 'many'\n"
        )
    assert not (tmp_path / "output").exists()
    path.unlink()
    result = runner.invoke(main, ["--config", "missing.toml", "lint", "water.xml"])
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == "missing.toml: error: --config: no such file\n"


def test_verapdf_from_the_file_unless_the_environment_names_one(tmp_path: Path) -> None:
    jar = _write(tmp_path, "", "office.jar")
    path = _write(tmp_path, f'verapdf = "{jar.name}"\n')
    env = {"BRIEFPERS_CONFIG": "", "XDG_DATA_HOME": str(tmp_path / "data")}
    assert Settings.from_env(env, office_file=path).verapdf_jar == jar.resolve()
    env["BRIEFPERS_VERAPDF"] = "/elsewhere/v.jar"
    assert Settings.from_env(env, office_file=path).verapdf_jar == Path("/elsewhere/v.jar")


def test_the_sign_section_reaches_the_signing_options(tmp_path, monkeypatch) -> None:
    """`[sign]` in briefpers.toml: parsed by the signing options, paths relative to the file."""
    pytest.importorskip("pyhanko")  # the sign extra; installed by `make setup`
    from briefpers.settings import Settings

    (tmp_path / "briefpers.toml").write_text('[sign]\nkey = "keys/office.p12"\nlevel = "B-T"\n')
    monkeypatch.chdir(tmp_path)
    options = Settings.from_env({}, office_file=office.find(tmp_path)).office.section("sign")
    assert options.key == (tmp_path / "keys" / "office.p12") and options.level == "B-T"
    (tmp_path / "briefpers.toml").write_text('[sign]\nlevel = "B-X"\n')
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({}, office_file=office.find(tmp_path))
    assert str(caught.value).startswith(f"{tmp_path / 'briefpers.toml'}:2")
    assert "level" in str(caught.value)
