"""Archive timestamps, against a real PKI on 127.0.0.1: renewing them, and
`verify` standing on them once the signer's certificate has expired.

The seed letter signed B-LTA in every profile is renewed (twice for one):
the earlier bytes stay whole, every signature and timestamp still verifies,
the last timestamp covers the whole file, the earlier timestamp's authority
certificates are in the document security store, and veraPDF still finds
the declared flavours with no failed rule. Letters that cannot be renewed
fail with one line and their exit code, and are left as they were.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import time

import pikepdf
import pytest
from click.testing import CliRunner

from briefpers.cli import main
from briefpers.errors import ExitCode
from briefpers.profiles import PROFILES
from briefpers.sign.keys import load_credentials
from briefpers.sign.renew import renew_pdf
from briefpers.sign.signing import sign_pdf
from briefpers.sign.verify import load_trust, verify_pdf
from tests.sign_pki import (  # noqa: F401 - fixtures
    TestPKI,
    closed_port_url,
    parent_tree,
    pki,
    seed_pdfs,
    sign_options,
)

FIRST = next(iter(PROFILES))  # renewed twice
DECLARED = {
    "pdfa-3a-ua1": {"3a", "ua1"},
    "pdfa-2a-ua1": {"2a", "ua1"},
    "pdfa-4f-ua2": {"4f", "ua2", "wt1a", "wt1r"},
}


def _signed(pki, seed_pdfs, folder, level: str) -> dict[str, bytes]:  # noqa: F811
    options = sign_options(pki, level)
    credentials = load_credentials(options, now=dt.datetime.now(dt.UTC))
    return {
        profile: sign_pdf(source.read_bytes(), credentials, options, path=source).data
        for profile, source in seed_pdfs.items()
    }


@pytest.fixture(scope="module")
def lta(pki, seed_pdfs, tmp_path_factory) -> dict[str, bytes]:  # noqa: F811
    """profile → the seed letter signed B-LTA."""
    return _signed(pki, seed_pdfs, tmp_path_factory.mktemp("lta"), "B-LTA")


def renew(*args: str):
    return CliRunner().invoke(main, ["renew", *args])


@pytest.fixture(scope="module")
def renewed(pki, lta, tmp_path_factory) -> dict[str, tuple[bytes, bytes]]:  # noqa: F811
    """profile → (B-LTA bytes, renewed bytes); the first profile renewed twice."""
    folder = tmp_path_factory.mktemp("renewed")
    result = {}
    for profile, data in lta.items():
        path = folder / f"{profile}.pdf"
        path.write_bytes(data)
        times = 2 if profile == FIRST else 1
        for _ in range(times):
            done = renew(str(path), "--tsa", pki.tsa_url, "--trust", str(pki.root))
            assert done.exit_code == 0, done.output
            assert done.output.startswith(f"renewed {path} (field Timestamp-")
        result[profile] = (data, path.read_bytes())
    return result


def test_a_renewed_letter_keeps_its_bytes_and_verifies(pki, renewed):  # noqa: F811
    trust = load_trust([pki.root])
    for profile, (before, after) in renewed.items():
        assert after.startswith(before) and len(after) > len(before)
        path = pki.file("x").parent / f"check-{profile}.pdf"
        path.write_bytes(after)
        report = verify_pdf(path, trust)
        assert report.ok, (profile, report.to_dict())
        fields = [s.field for s in report.signatures]
        twice = profile == FIRST
        expected = ["Signature", "Timestamp", "Timestamp-2", *(["Timestamp-3"] * twice)]
        assert fields == expected, profile
        kinds = [s.kind for s in report.signatures]
        assert kinds[0] == "signature" and set(kinds[1:]) == {"timestamp"}, kinds
        for earlier in report.signatures[:-1]:
            assert earlier.intact and earlier.valid and earlier.trusted, earlier
        assert report.signatures[-1].coverage == "entire file"
        # A new (tagged) field after it: pyHanko's form-filling level, allowed.
        assert report.signatures[1].modifications == "later signatures", profile
        assert report.pdfa_ok, report.pdfa_problems


def test_fresh_validation_data_and_a_tagged_field_are_added(renewed):
    for profile, (before, after) in renewed.items():
        with pikepdf.open(io.BytesIO(before)) as old, pikepdf.open(io.BytesIO(after)) as new:
            old_dss, new_dss = old.Root.DSS, new.Root.DSS
            old_certs = {bytes(c.read_bytes()) for c in old_dss.Certs}
            assert old_certs <= {bytes(c.read_bytes()) for c in new_dss.Certs}, profile

            def revocations(dss) -> set[bytes]:
                found = [*dss.get("/OCSPs", []), *dss.get("/CRLs", [])]
                return {bytes(r.read_bytes()) for r in found}

            # Revocation data fetched at renewal, not only what signing stored.
            assert revocations(old_dss) < revocations(new_dss), profile
            fields = [f for f in new.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
            assert len(fields) == (4 if profile == FIRST else 3), profile
            tagged = parent_tree(new)
            for field in fields:
                assert int(field.StructParent) in tagged, (profile, str(field.T))


def test_a_letter_without_an_archive_timestamp_is_refused_and_left_alone(
    pki,  # noqa: F811
    seed_pdfs,  # noqa: F811
    tmp_path,
):
    data = _signed(pki, {FIRST: seed_pdfs[FIRST]}, tmp_path, "B-LT")[FIRST]
    path = tmp_path / "lt.pdf"
    path.write_bytes(data)
    done = renew(str(path), "--tsa", pki.tsa_url, "--trust", str(pki.root))
    assert done.exit_code == ExitCode.CHECK_FAILED, done.output
    assert "has no archive timestamp to renew: sign it at level B-LTA first" in done.output
    assert path.read_bytes() == data


def test_a_file_that_is_not_a_pdf_is_one_line(pki, tmp_path):  # noqa: F811
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"%PDF-1.7\nnot really\n")
    done = renew(str(path), "--tsa", pki.tsa_url)
    assert done.exit_code == ExitCode.CHECK_FAILED, done.output
    assert done.output.startswith(f"{path}: error: not a PDF that can be read")
    assert len(done.output.splitlines()) == 1


def test_a_broken_or_untrusted_timestamp_is_not_renewed(pki, lta, tmp_path):  # noqa: F811
    data = lta[FIRST]
    untrusted = tmp_path / "untrusted.pdf"
    untrusted.write_bytes(data)
    done = renew(str(untrusted), "--tsa", pki.tsa_url)
    assert done.exit_code == ExitCode.SIGNATURE, done.output
    assert "does not lead to a trusted authority (--trust); it cannot be renewed" in done.output
    assert untrusted.read_bytes() == data

    changed = bytearray(data)
    at = changed.index(b"Verslag NAVO")  # in the XMP, signed by every revision
    changed[at] = ord("W")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(changed))
    done = renew(str(broken), "--tsa", pki.tsa_url, "--trust", str(pki.root))
    assert done.exit_code == ExitCode.SIGNATURE, done.output
    assert "covers bytes that were changed" in done.output
    assert broken.read_bytes() == bytes(changed)


def test_without_an_authority_nothing_is_written(pki, lta, tmp_path):  # noqa: F811
    path = tmp_path / "letter.pdf"
    path.write_bytes(lta[FIRST])
    done = renew(str(path), "--tsa", closed_port_url(), "--trust", str(pki.root))
    assert done.exit_code == ExitCode.DEPENDENCY, done.output
    assert "did not answer" in done.output
    assert path.read_bytes() == lta[FIRST]
    out = tmp_path / "out"
    done = renew(str(path), "--trust", str(pki.root), "-o", str(out))
    assert done.exit_code == ExitCode.USAGE and "--tsa URL" in done.output
    assert not out.exists()
    done = renew(str(path), "--tsa", pki.tsa_url, "--trust", str(pki.root), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert path.read_bytes() == lta[FIRST]  # -o: the original stays as it was
    assert (out / "letter.pdf").read_bytes().startswith(lta[FIRST])


@pytest.mark.verapdf
def test_renewed_letters_pass_verapdf_in_their_declared_flavours(renewed, tmp_path):
    from briefpers.check.verapdf import validate
    from briefpers.settings import Settings

    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    files = {}
    for profile, (_, after) in renewed.items():
        files[profile] = tmp_path / f"{profile}.pdf"
        files[profile].write_bytes(after)
    verdicts = validate(list(files.values()), jar=Settings.from_env().verapdf_jar)
    for (profile, path), verdict in zip(files.items(), verdicts, strict=True):
        assert verdict.path == path
        assert verdict.compliant, (profile, verdict.to_dict())
        assert {r.flavour for r in verdict.flavours} == DECLARED[profile]
        assert sum(r.failed_rule_count for r in verdict.flavours) == 0


@pytest.mark.slow
def test_copies_stay_valid_as_time_passes_while_their_newest_timestamp_holds(
    seed_pdfs,  # noqa: F811
    tmp_path,
):
    """A PKI whose revocation data is current for ten seconds and whose
    "brief" signer and timestamp authority certificates expire after thirty:
    afterwards each copy is judged at the time its timestamps prove."""
    lifetime = dt.timedelta(seconds=30)
    brief = TestPKI.start(tmp_path / "pki", brief=lifetime)
    try:
        started = time.monotonic()
        trust = load_trust([brief.root])
        source = seed_pdfs[FIRST]
        plans = {  # name → (level, brief signer, timestamps by the brief authority, renewed)
            "lt": ("B-LT", False, False, False),
            "lta-brief-signer": ("B-LTA", True, False, False),
            "bb-brief-signer": ("B-B", True, False, False),
            "brief-tsa-renewed": ("B-LTA", False, True, True),
            "brief-tsa": ("B-LTA", False, True, False),
        }
        copies = {}
        for name, (level, brief_signer, brief_tsa, renewed) in plans.items():
            options = sign_options(brief, level, key=brief.file("signer.enc.pem"))
            cert = "brief.cert.pem" if brief_signer else "signer.cert.pem"
            tsa = brief.brief_tsa_url if brief_tsa else brief.tsa_url
            options = options.with_overrides(cert=brief.file(cert), chain=[brief.root], tsa=tsa)
            credentials = load_credentials(options, now=dt.datetime.now(dt.UTC))
            data = sign_pdf(source.read_bytes(), credentials, options, path=source).data
            if renewed:
                data = renew_pdf(data, brief.tsa_url, trust, timeout=10, path=source).data
            copies[name] = tmp_path / f"{name}.pdf"
            copies[name].write_bytes(data)
        if time.monotonic() - started > 15:
            pytest.skip("signing took longer than the certificates' margin allows")
        time.sleep(max(0.0, lifetime.total_seconds() + 2 - (time.monotonic() - started)))

        def judged(name: str):
            return verify_pdf(copies[name], trust, preflight=False)

        # Revocation data out of date, nothing expired: judged when signed.
        lt = judged("lt")
        assert lt.signatures_ok, lt.to_dict()
        (signature,) = lt.signatures
        assert signature.trusted and signature.timestamped
        assert signature.proven_at == signature.timestamp
        # The signer's certificate expired after the signature timestamp.
        lta = judged("lta-brief-signer")
        assert lta.signatures_ok, lta.to_dict()
        assert all(s.proven_at == s.timestamp for s in lta.signatures)
        # The first authority's certificate expired; the renewal's holds.
        renewed = judged("brief-tsa-renewed")
        assert renewed.signatures_ok, renewed.to_dict()
        assert [s.field for s in renewed.signatures] == ["Signature", "Timestamp", "Timestamp-2"]
        # No timestamp: nothing proves the signature older than the expiry.
        bare = judged("bb-brief-signer")
        assert bare.exit_code == ExitCode.SIGNATURE
        assert bare.signatures[0].problems == [
            "the signer's certificate has expired, and no timestamp proves it was used while "
            "it was good"
        ]
        # Not renewed: its newest timestamp's authority has expired; nothing stands.
        stale = judged("brief-tsa")
        assert stale.exit_code == ExitCode.SIGNATURE
        assert all(not s.trusted and s.proven_at is None for s in stale.signatures)
        shown = CliRunner().invoke(main, ["verify", str(copies["lt"]), "--trust", str(brief.root)])
        assert shown.exit_code == 0, shown.output
        assert f"proven good at {signature.timestamp} by timestamps" in shown.output
    finally:
        brief.stop()
