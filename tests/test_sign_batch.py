"""`build --sign`: signing after the build, recorded in the manifest, kept when unchanged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from briefpers.cli import main
from briefpers.errors import ExitCode
from tests.sign_pki import SEED, closed_port_url, pki  # noqa: F401 - fixtures

NAME = "navo-ministeriele-2022.pdf"


def _build(*args) -> object:
    return CliRunner().invoke(main, ["build", *map(str, args), "-j", "1"])


def _signing(pki, level: str = "B-T", tsa: str | None = None) -> list:  # noqa: F811
    key = ["--key", pki.file("signer.p12"), "--passphrase-file", pki.passphrase_file]
    return [*key, "--level", level, "--tsa", tsa or pki.tsa_url]


def _entry(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["letters"][NAME]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return Path(shutil.copy(SEED, folder / SEED.name))


def test_build_signs_records_both_hashes_and_keeps_a_signed_letter(pki, source, tmp_path):  # noqa: F811
    plain, out = tmp_path / "plain", tmp_path / "out"
    assert _build(source, "-o", plain).exit_code == 0
    unsigned = (plain / NAME).read_bytes()

    first = _build(source, "-o", out, "--sign", *_signing(pki))
    assert first.exit_code == 0, first.output
    assert f"signed {out / NAME} (B-T)" in first.output
    signed = (out / NAME).read_bytes()
    entry = _entry(out)
    # The unsigned part is the reproducible build, byte for byte, at the start.
    assert signed.startswith(unsigned) and len(signed) > len(unsigned)
    assert entry["unsigned_sha256"] == _sha(unsigned) == _entry(plain)["output_sha256"]
    assert entry["unsigned_size"] == len(unsigned)
    assert entry["signed_sha256"] == entry["output_sha256"] == _sha(signed)
    assert entry["signature"]["level"] == "B-T"
    assert entry["signature"]["signer"] == "Test Ondertekenaar"
    assert _run_verify(out / NAME, pki) == 0

    again = _build(source, "-o", out, "--sign", *_signing(pki))
    assert again.exit_code == 0, again.output
    assert "1 letter up to date" in again.output
    assert "0 signed (B-T), 1 already signed" in again.output
    assert (out / NAME).read_bytes() == signed  # not signed again because time passed

    unsigned_build = _build(source, "-o", out)  # without --sign: the signed copy stays
    assert unsigned_build.exit_code == 0 and (out / NAME).read_bytes() == signed

    resigned = _build(source, "-o", out, "--resign", *_signing(pki, "B-B"))
    assert resigned.exit_code == 0, resigned.output
    data = (out / NAME).read_bytes()
    assert data != signed and data.startswith(unsigned)
    with pikepdf.open(out / NAME) as pdf:  # one signature: the unsigned revision signed anew
        assert [str(f.T) for f in pdf.Root.AcroForm.Fields] == ["Signature"]
    assert _entry(out)["signature"]["level"] == "B-B"
    assert _entry(out)["unsigned_sha256"] == _sha(unsigned)
    assert _run_verify(out / NAME, pki) == 0


def test_a_failed_signature_leaves_the_letter_unsigned_and_a_rerun_signs_it(pki, source, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    result = _build(source, "-o", out, "--sign", *_signing(pki, tsa=closed_port_url()))
    assert result.exit_code == ExitCode.DEPENDENCY, result.output
    assert "the timestamp or revocation service did not answer" in result.output
    with pikepdf.open(out / NAME) as pdf:  # built and valid, but not signed: never half-signed
        assert "/AcroForm" not in pdf.Root
    entry = _entry(out)
    assert entry.get("signed_sha256") is None and entry["output_sha256"] == entry["unsigned_sha256"]

    rerun = _build(source, "-o", out, "--sign", *_signing(pki))
    assert rerun.exit_code == 0, rerun.output
    assert "1 letter up to date" in rerun.output  # signed without rebuilding
    assert "1 signed (B-T)" in rerun.output
    assert _run_verify(out / NAME, pki) == 0


def test_signing_options_need_sign_and_a_bad_key_stops_before_building(pki, source, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    lonely = _build(source, "-o", out, "--level", "B-T")
    assert lonely.exit_code == ExitCode.USAGE and "need --sign" in lonely.output
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nope\n")
    key = ["--key", pki.file("signer.p12"), "--passphrase-file", wrong]
    refused = _build(source, "-o", out, "--sign", *key)
    assert refused.exit_code == ExitCode.SIGN and "wrong passphrase" in refused.output
    assert not out.exists()  # nothing rendered


def _cli(*args) -> object:
    return CliRunner().invoke(main, [*map(str, args)])


def test_a_letter_signed_or_renewed_after_its_build_is_kept(pki, source, tmp_path):  # noqa: F811
    # Signed by `sign` alone, then renewed: every later build keeps the
    # signed copy (the build is whole at its start) and records its bytes.
    out = tmp_path / "out"
    assert _build(source, "-o", out, "--mdto").exit_code == 0
    unsigned = (out / NAME).read_bytes()
    assert _entry(out)["unsigned_size"] == len(unsigned)  # recorded from the first build
    key = ["--key", pki.file("signer.p12"), "--passphrase-file", pki.passphrase_file]
    signed = _cli("sign", out / NAME, *key, "--level", "B-LTA", "--tsa", pki.tsa_url)
    assert signed.exit_code == 0, signed.output
    renewed = _cli("renew", out / NAME, "--tsa", pki.tsa_url, "--trust", pki.root)
    assert renewed.exit_code == 0, renewed.output
    data = (out / NAME).read_bytes()
    assert data.startswith(unsigned) and len(data) > len(unsigned)

    again = _build(source, "-o", out, "-v")
    assert again.exit_code == 0, again.output
    assert "1 letter up to date" in again.output and "built" not in again.output
    assert (out / NAME).read_bytes() == data
    entry = _entry(out)
    assert entry["output_sha256"] == entry["signed_sha256"] == _sha(data)
    assert entry["unsigned_sha256"] == _sha(unsigned) and entry["unsigned_size"] == len(unsigned)
    # The PDF's MDTO record now describes the signed bytes, and the manifest the record.
    record = (out / f"{NAME}.bestand.mdto.xml").read_text()
    assert f"<checksumWaarde>{_sha(data)}</checksumWaarde>" in record
    assert f"<omvang>{len(data)}</omvang>" in record
    assert entry["files"][f"{NAME}.bestand.mdto.xml"] == _sha(record.encode())
    assert _run_verify(out / NAME, pki) == 0

    with_sign = _build(source, "-o", out, "--sign", *_signing(pki))
    assert with_sign.exit_code == 0, with_sign.output
    assert "0 signed (B-T), 1 already signed" in with_sign.output
    assert (out / NAME).read_bytes() == data


def test_other_bytes_after_the_build_are_rebuilt(source, tmp_path):
    # Appended bytes that hold no signature are not a signing: rebuilt.
    out = tmp_path / "out"
    assert _build(source, "-o", out).exit_code == 0
    unsigned = (out / NAME).read_bytes()
    (out / NAME).write_bytes(unsigned + b"\n% an edit\n")
    again = _build(source, "-o", out, "-v")
    assert again.exit_code == 0, again.output
    assert "output missing or changed" in again.output
    assert (out / NAME).read_bytes() == unsigned


def _run_verify(path: Path, pki) -> int:  # noqa: F811
    return CliRunner().invoke(main, ["verify", str(path), "--trust", str(pki.root)]).exit_code
