"""Signing at every PAdES level, in every profile, with a real PKI; veraPDF after each.

The seed letter is signed B-B, B-T, B-LT and B-LTA in the three profiles
against certomancer's CA, timestamp authority, OCSP responder and CRL on
127.0.0.1; a letter signed twice and one signed with an `openssl req -x509`
certificate join them, and veraPDF checks all of them in one run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from briefpers.cli import main
from briefpers.profiles import PROFILES
from briefpers.sign.keys import load_credentials
from briefpers.sign.options import LEVELS
from briefpers.sign.signing import sign_pdf
from briefpers.sign.verify import load_trust, verify_pdf
from tests.sign_pki import parent_tree, pki, seed_pdfs, sign_options  # noqa: F401 - fixtures

# What each profile declares, so what veraPDF must have checked.
DECLARED = {
    "pdfa-3a-ua1": {"3a", "ua1"},
    "pdfa-2a-ua1": {"2a", "ua1"},
    "pdfa-4f-ua2": {"4f", "ua2", "wt1a", "wt1r"},
}


@pytest.fixture(scope="module")
def signed(pki, seed_pdfs, tmp_path_factory) -> dict[tuple[str, str], Path]:  # noqa: F811
    """(profile, level) → the seed letter signed at that level."""
    folder = tmp_path_factory.mktemp("signed-levels")
    now = dt.datetime.now(dt.UTC)
    paths = {}
    for level in LEVELS:
        options = sign_options(pki, level)
        credentials = load_credentials(options, now=now)
        for profile in PROFILES:
            source = seed_pdfs[profile]
            result = sign_pdf(source.read_bytes(), credentials, options, path=source)
            assert result.level == level
            path = folder / f"{profile}-{level}.pdf"
            path.write_bytes(result.data)
            paths[(profile, level)] = path
    return paths


@pytest.fixture(scope="module")
def signed_twice(pki, signed, tmp_path_factory) -> dict[str, Path]:  # noqa: F811
    """profile → the B-T letter signed a second time (B-B): a PDF already signed."""
    folder = tmp_path_factory.mktemp("signed-twice")
    options = sign_options(pki, "B-B")
    credentials = load_credentials(options, now=dt.datetime.now(dt.UTC))
    paths = {}
    for profile in PROFILES:
        first = signed[(profile, "B-T")]
        result = sign_pdf(first.read_bytes(), credentials, options, path=first)
        assert result.field == "Signature-2"
        paths[profile] = folder / f"{profile}.pdf"
        paths[profile].write_bytes(result.data)
    return paths


@pytest.fixture(scope="module")
def openssl_signed(seed_pdfs, tmp_path_factory) -> tuple[Path, Path]:  # noqa: F811
    """The issue's 'done when': a certificate from `openssl req -x509` signs the seed letter."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("openssl")
    key, cert, secret = folder / "key.pem", folder / "cert.pem", folder / "passphrase"
    secret.write_text("een geheim dat niet in de uitvoer mag staan\n")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", str(key)),
            *("-out", str(cert), "-days", "30", "-subj", "/CN=Briefpers Test/O=Testministerie"),
            *("-passout", f"file:{secret}"),
        ],
        check=True,
        capture_output=True,
    )
    pdf = folder / "navo-ministeriele-2022.pdf"
    shutil.copyfile(seed_pdfs["pdfa-3a-ua1"], pdf)
    args = ["sign", str(pdf), "--key", str(key), "--cert", str(cert)]
    result = CliRunner().invoke(main, [*args, "--passphrase-file", str(secret)])
    assert result.exit_code == 0, result.output
    assert "signed" in result.output and "Briefpers Test" in result.output
    assert "geheim" not in result.output
    return pdf, cert


def _fields(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]


def test_the_unsigned_bytes_stay_whole_and_the_metadata_unchanged(signed, seed_pdfs):  # noqa: F811
    for (profile, level), path in signed.items():
        unsigned, data = seed_pdfs[profile].read_bytes(), path.read_bytes()
        assert data.startswith(unsigned), (profile, level)
        # One revision for the signature (with the DSS from B-LT on), one more
        # for the document timestamp of B-LTA.
        added = data[len(unsigned) :].count(b"%%EOF")
        assert added == (2 if level == "B-LTA" else 1), (profile, level)
        with pikepdf.open(seed_pdfs[profile]) as before, pikepdf.open(path) as after:
            assert after.Root.Metadata.read_bytes() == before.Root.Metadata.read_bytes()
            assert dict(after.docinfo.items()) == dict(before.docinfo.items())
            assert after.pdf_version == before.pdf_version
            if profile != "pdfa-4f-ua2":  # PDF 1.7 stays 1.7, whatever the key's curve
                assert "/Version" not in after.Root


def test_the_signature_field_is_invisible_tagged_and_described(signed):
    for (profile, level), path in signed.items():
        with pikepdf.open(path) as pdf:
            fields = _fields(pdf)
            names = sorted(str(f.T) for f in fields)
            assert names == (["Signature", "Timestamp"] if level == "B-LTA" else ["Signature"])
            tree = parent_tree(pdf)
            kids = pdf.Root.StructTreeRoot.K
            document = kids[0] if isinstance(kids, pikepdf.Array) else kids
            for field in fields:
                assert [float(x) for x in field.Rect] == [0, 0, 0, 0]
                assert int(field.F) == 4  # Print; never Hidden or NoView (PDF/A)
                if str(field.T) == "Signature":
                    assert str(field.TU) == "Digitale handtekening van Test Ondertekenaar"
                else:
                    assert str(field.TU) == "Tijdstempel van het document"
                assert field.V.Type in ("/Sig", "/DocTimeStamp")
                element = tree[int(field.StructParent)]
                expected = "/Artifact" if profile == "pdfa-4f-ua2" else "/Form"
                assert expected == element.S, (profile, level)
                assert element.K.Type == "/OBJR" and element.K.Obj.objgen == field.objgen
                assert element.P.objgen == document.objgen
                assert any(k.objgen == element.objgen for k in document.K if k.is_indirect)
                if profile == "pdfa-4f-ua2":
                    assert element.NS.objgen == document.NS.objgen
                page = pdf.pages[0].obj
                assert page.Tabs == "/S"
                assert any(a.objgen == field.objgen for a in page.Annots)


def test_each_level_carries_what_it_promises(pki, signed):  # noqa: F811
    trust = load_trust([pki.root])
    for (profile, level), path in signed.items():
        report = verify_pdf(path, trust)
        assert report.ok, (profile, level, report.to_dict())
        first = report.signatures[0]
        assert (first.kind, first.level, first.signer) == ("signature", level, "Test Ondertekenaar")
        assert first.intact and first.valid and first.trusted
        assert first.timestamped == (level != "B-B")
        with pikepdf.open(path) as pdf:
            assert ("/DSS" in pdf.Root) == (level in ("B-LT", "B-LTA"))
            if level in ("B-LT", "B-LTA"):
                assert len(pdf.Root.DSS.OCSPs) >= 1 and len(pdf.Root.DSS.Certs) >= 2
        if level == "B-LTA":
            assert [s.kind for s in report.signatures] == ["signature", "timestamp"]
            assert first.coverage == "entire revision"
            assert first.modifications == "validation data and timestamps"
            assert report.signatures[1].coverage == "entire file"
        else:
            assert len(report.signatures) == 1 and first.coverage == "entire file"
        assert report.pdfa_ok, report.pdfa_problems


def test_a_second_signature_keeps_the_first_valid(pki, signed_twice):  # noqa: F811
    trust = load_trust([pki.root])
    for profile, path in signed_twice.items():
        report = verify_pdf(path, trust)
        assert report.ok, (profile, report.to_dict())
        first, second = report.signatures
        assert (first.field, second.field) == ("Signature", "Signature-2")
        assert first.modifications == "later signatures" and first.level == "B-T"
        assert second.coverage == "entire file"


def test_a_third_signature_keeps_both_earlier_ones_valid(pki, signed_twice, tmp_path):  # noqa: F811
    # Two tagging additions after the first signature: the rule once sorted
    # their references, which do not sort, and so cleared neither.
    options = sign_options(pki, "B-B")
    credentials = load_credentials(options, now=dt.datetime.now(dt.UTC))
    twice = signed_twice["pdfa-3a-ua1"]
    result = sign_pdf(twice.read_bytes(), credentials, options, path=twice)
    path = tmp_path / "thrice.pdf"
    path.write_bytes(result.data)
    report = verify_pdf(path, load_trust([pki.root]))
    assert report.ok, report.to_dict()
    assert [s.field for s in report.signatures] == ["Signature", "Signature-2", "Signature-3"]
    assert [s.modifications for s in report.signatures[:2]] == ["later signatures"] * 2


def test_verify_accepts_the_openssl_certificate_and_rejects_one_byte_changed(openssl_signed):
    pdf, cert = openssl_signed
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", str(pdf), "--trust", str(cert), "--json", "-"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["ok"] and data["files"][0]["signatures"][0]["signer"] == "Briefpers Test"
    assert data["files"][0]["pdfa"]["ok"] is True
    untrusted = runner.invoke(main, ["verify", str(pdf)])
    assert untrusted.exit_code == 11 and "trusted=no" in untrusted.output

    changed = pdf.with_name("changed.pdf")
    data = bytearray(pdf.read_bytes())
    at = data.index(b"Verslag NAVO")  # in the XMP, inside the signed bytes
    data[at] = ord("W")
    changed.write_bytes(bytes(data))
    rejected = runner.invoke(main, ["verify", str(changed), "--trust", str(cert)])
    assert rejected.exit_code == 11, rejected.output
    assert "intact=no" in rejected.output
    assert "the signed bytes were changed" in rejected.output


@pytest.mark.verapdf
def test_every_signed_file_passes_verapdf_in_its_declared_flavours(
    signed, signed_twice, openssl_signed
):
    from briefpers.check.verapdf import validate
    from briefpers.settings import Settings

    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    files = {f"{p} {lvl}": path for (p, lvl), path in signed.items()}
    files |= {f"{p} signed twice": path for p, path in signed_twice.items()}
    files["openssl"] = openssl_signed[0]
    verdicts = validate(list(files.values()), jar=Settings.from_env().verapdf_jar)
    for (label, path), verdict in zip(files.items(), verdicts, strict=True):
        assert verdict.path == path
        assert verdict.compliant, (label, verdict.to_dict())
        profile = "pdfa-3a-ua1" if label == "openssl" else label.split()[0]
        assert {r.flavour for r in verdict.flavours} == DECLARED[profile], label
        assert sum(r.failed_rule_count for r in verdict.flavours) == 0
