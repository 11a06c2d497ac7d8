"""The typesetter's sandbox: local theme and letter files only."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefpers.errors import AssetError
from briefpers.pipeline import build_letter
from briefpers.typeset import SandboxFetcher

from .test_source import MINIMAL, write


def test_fetcher_refuses_network_and_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "ok.png").write_bytes(b"x")
    fetcher = SandboxFetcher([tmp_path])
    assert fetcher.why_refused((tmp_path / "ok.png").as_uri()) is None
    assert "no network" in fetcher.why_refused("http://127.0.0.1:9/x.png")
    assert "outside" in fetcher.why_refused("file:///etc/passwd")
    assert "outside" in fetcher.why_refused((tmp_path / ".." / "x").as_uri())
    assert fetcher.why_refused("data:image/png;base64," + "A" * 300_000)
    assert fetcher.why_refused("data:image/png;base64,AAAA") is None


def test_signature_outside_the_letter_folder_fails_clearly(tmp_path: Path) -> None:
    source = MINIMAL.replace(
        "</body>",
        "</body><signatories><signatory><function>De minister,</function>"
        '<signature src="../../etc/passwd" alt="x"/><name>A</name></signatory></signatories>',
    )
    with pytest.raises(AssetError, match="outside the letter's folder"):
        build_letter(write(tmp_path, source))


def test_missing_image_fails_clearly(tmp_path: Path) -> None:
    source = MINIMAL.replace("<p>Tekst.</p>", '<figure src="absent.png" alt="Een grafiek"/>')
    with pytest.raises(AssetError, match="does not exist"):
        build_letter(write(tmp_path, source))


def test_letter_files_are_served_under_a_url_without_their_folder(tmp_path: Path) -> None:
    from briefpers.typeset import LETTER_URL

    (tmp_path / "img").mkdir()
    png = (Path(__file__).parent / "corpus" / "signature.png").read_bytes()
    (tmp_path / "img" / "a.png").write_bytes(png)
    fetcher = SandboxFetcher([tmp_path], letter_dir=tmp_path)
    response = fetcher.fetch(LETTER_URL + "img/a.png")
    assert response.read() == png
    assert response.path is None  # WeasyPrint must not read the file again later
    assert response.content_type == "image/png"
    assert fetcher.served == {"img/a.png": png}
    for escape in ("../etc/passwd", "img/../../x.png", "%2E%2E/etc/passwd"):
        assert "outside the theme and the letter's folder" in fetcher.why_refused(
            LETTER_URL + escape
        )


def test_fifos_and_devices_are_not_read(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.png")
    fetcher = SandboxFetcher([tmp_path, Path("/dev")])
    assert "no such file" in fetcher.why_refused((tmp_path / "pipe.png").as_uri())
    assert "no such file" in fetcher.why_refused("file:///dev/zero")
