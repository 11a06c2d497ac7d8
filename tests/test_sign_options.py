"""SignOptions: a `[sign]` TOML table (paths relative to its file), then the flags over it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from briefpers.errors import ConfigError, UsageError
from briefpers.sign.options import SignOptions


def _table(text: str) -> dict:
    return tomllib.loads(text)["sign"]


def test_a_table_names_files_relative_to_its_own_file(tmp_path):
    origin = tmp_path / "office" / "briefpers.toml"
    table = _table(
        """
        [sign]
        key = "keys/office.p12"
        chain = ["ca/intermediate.pem", "ca/root.pem"]
        passphrase_file = "/etc/briefpers/passphrase"
        tsa = "https://tsa.example.org/rfc3161"
        level = "B-LTA"
        timeout = 5
        """
    )
    options = SignOptions.from_table(table, origin)
    assert options.key == tmp_path / "office" / "keys" / "office.p12"
    assert options.chain == (
        tmp_path / "office" / "ca" / "intermediate.pem",
        tmp_path / "office" / "ca" / "root.pem",
    )
    assert options.passphrase_file == Path("/etc/briefpers/passphrase")
    assert (options.tsa, options.level, options.timeout) == (
        "https://tsa.example.org/rfc3161",
        "B-LTA",
        5.0,
    )
    options.check()


def test_flags_override_the_table_and_empty_flags_do_not(tmp_path):
    origin = tmp_path / "briefpers.toml"
    options = SignOptions.from_table(_table('[sign]\nkey = "a.p12"\nlevel = "B-T"'), origin)
    merged = options.with_overrides(key=Path("b.pem"), level=None, chain=(), tsa="http://t/")
    assert (merged.key, merged.level, merged.tsa, merged.chain) == (
        Path("b.pem"),
        "B-T",
        "http://t/",
        (),
    )
    assert options.key == tmp_path / "a.p12"  # frozen: the original is unchanged


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sign]\nkeyfile = "x"', "unknown key 'keyfile'"),
        ("[sign]\nkey = 3", "key must be a file name"),
        ('[sign]\nlevel = "B-X"', "level must be one of B-B, B-T, B-LT, B-LTA"),
        ("[sign]\nchain = [1]", "chain must be a file name or a list of them"),
        ('[sign]\ntsa = "ftp://tsa"', "must be an http(s) URL"),
        ("[sign]\ntimeout = -1", "timeout must be a positive number"),
        ("[sign]\ntimeout = true", "timeout must be a positive number"),
    ],
)
def test_a_wrong_table_names_the_file(tmp_path, text, message):
    origin = tmp_path / "briefpers.toml"
    with pytest.raises(ConfigError) as caught:
        SignOptions.from_table(_table(text), origin)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{origin}: ")


def test_check_says_what_is_missing():
    with pytest.raises(UsageError, match="signing needs a key"):
        SignOptions().check()
    with pytest.raises(UsageError, match="level B-T needs a timestamp authority"):
        SignOptions(key=Path("k.p12"), level="B-T").check()
    SignOptions(key=Path("k.p12")).check()  # B-B needs nothing more
