"""`briefpers fetch-verapdf` and finding veraPDF after `pip install`: a Maven repository on
127.0.0.1 stands in for Maven Central (no test reaches the network)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers.check import fetch, verapdf
from briefpers.cli import main
from briefpers.errors import DependencyError, ExitCode
from briefpers.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = f"{fetch.ARTIFACT_PATH}/{verapdf.VERAPDF_VERSION}/{verapdf.JAR_NAME}"


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(URL, folder) of a Maven repository served from a folder on 127.0.0.1."""
    folder = tmp_path / "maven"
    (folder / ARTIFACT).parent.mkdir(parents=True)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _fetch(url: str, dest: Path, *extra: str):
    return CliRunner().invoke(
        main, ["fetch-verapdf", "--to", str(dest), "--repository", url, "--no-archive", *extra]
    )


def test_the_checksum_is_pinned_beside_the_version() -> None:
    assert len(fetch.pinned_sha256()) == 64
    assert fetch.artifact_url() == (
        f"https://repo1.maven.org/maven2/org/verapdf/apps/greenfield-apps/"
        f"{verapdf.VERAPDF_VERSION}/greenfield-apps-{verapdf.VERAPDF_VERSION}.jar"
    )


def test_a_jar_that_does_not_match_the_pin_is_not_kept(repository, tmp_path: Path) -> None:
    url, folder = repository
    (folder / ARTIFACT).write_bytes(b"PK\x03\x04 not the pinned veraPDF")
    dest = tmp_path / "verapdf"
    result = _fetch(url, dest)
    assert result.exit_code == ExitCode.DEPENDENCY
    assert "not the pinned" in result.stderr and "nothing was kept" in result.stderr
    assert list(dest.iterdir()) == []  # neither a jar nor a partial download
    result = _fetch(url.replace(str(url.split(":")[-1]), "1/"), dest)  # nothing listens there
    assert result.exit_code == ExitCode.DEPENDENCY
    assert result.stderr.startswith("error: cannot fetch veraPDF from http://127.0.0.1:1/")
    (folder / ARTIFACT).unlink()
    result = _fetch(url, dest)
    assert result.exit_code == ExitCode.DEPENDENCY and "HTTP 404" in result.stderr


def test_the_pinned_jar_is_fetched_once(repository, tmp_path: Path) -> None:
    here = verapdf.checkout_copy()
    if not here.is_file():
        pytest.skip("no veraPDF jar in tools/verapdf to serve (make tools)")
    url, folder = repository
    (folder / ARTIFACT).write_bytes(here.read_bytes())
    dest = tmp_path / "verapdf"
    result = _fetch(url, dest)
    assert result.exit_code == 0, result.stderr
    assert f"fetched from {url}" in result.stdout
    assert (dest / verapdf.JAR_NAME).read_bytes() == here.read_bytes()
    assert "BRIEFPERS_VERAPDF" in result.stdout  # not where briefpers looks: say how to use it
    result = _fetch(url, dest)
    assert result.exit_code == 0 and "already present" in result.stdout


def test_after_pip_install_validate_finds_the_fetched_copy_or_says_how(
    tmp_path: Path, monkeypatch
) -> None:
    """Outside a checkout there is no tools/verapdf: the copy in the data folder is
    used; without one, one line says how to fetch it."""
    monkeypatch.setattr(verapdf, "checkout_copy", lambda: tmp_path / "no-checkout" / "v.jar")
    env = {"BRIEFPERS_CONFIG": "", "XDG_DATA_HOME": str(tmp_path / "data")}
    assert Settings.from_env(env).verapdf_jar is None
    with pytest.raises(DependencyError, match="run `briefpers fetch-verapdf`"):
        verapdf.find_verapdf(None)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BRIEFPERS_VERAPDF", raising=False)
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.7\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "x.pdf")])
    assert result.exit_code == ExitCode.DEPENDENCY
    assert result.stderr.count("\n") == 1
    assert "run `briefpers fetch-verapdf` to fetch it from Maven Central" in result.stderr
    fetched = verapdf.fetched_copy(tmp_path / "data" / "briefpers")
    fetched.parent.mkdir(parents=True)
    fetched.write_bytes(b"")
    assert Settings.from_env(env).verapdf_jar == fetched
