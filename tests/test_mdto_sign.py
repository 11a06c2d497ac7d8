"""`build --mdto --sign`: the PDF's MDTO record describes the signed file (its size
and SHA-256), written with it, and the letter stays up to date afterwards."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from briefpers.cli import main
from tests.sign_pki import SEED, pki  # noqa: F401 - fixture

from .archive_kit import schema, text

NAME = SEED.stem + ".pdf"


def test_the_record_of_a_signed_pdf_has_the_signed_files_checksum(pki, tmp_path) -> None:  # noqa: F811
    source = Path(shutil.copy(SEED, tmp_path / SEED.name))
    out = tmp_path / "out"
    key = ["--key", pki.file("signer.p12"), "--passphrase-file", pki.passphrase_file]
    args = ["build", str(source), "-o", str(out), "-j", "1", "--mdto", "--format", "pdf,html"]
    first = CliRunner().invoke(main, [*args, "--sign", *map(str, key), "--level", "B-B"])
    assert first.exit_code == 0, first.output
    signed = (out / NAME).read_bytes()
    entry = json.loads((out / "manifest.json").read_text())["letters"][NAME]
    assert entry["signed_sha256"] == hashlib.sha256(signed).hexdigest()
    assert len(signed) > entry["unsigned_size"]
    record_path = out / f"{NAME}.bestand.mdto.xml"
    record = etree.fromstring(record_path.read_bytes())
    assert schema().validate(record), schema().error_log.last_error
    assert text(record, "//m:checksumWaarde") == [hashlib.sha256(signed).hexdigest()]
    assert text(record, "//m:omvang") == [str(len(signed))]
    assert text(record, "//m:bestandsformaat/m:begripCode") == ["fmt/479"]  # still PDF/A-3a
    assert text(record, "//m:checksumDatum") == ["2022-01-14T00:00:00+00:00"]
    for name, digest in entry["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    again = CliRunner().invoke(main, [*args, "--sign", *map(str, key), "--level", "B-B"])
    assert again.exit_code == 0 and "1 letter up to date" in again.output, again.output
    assert (out / NAME).read_bytes() == signed
