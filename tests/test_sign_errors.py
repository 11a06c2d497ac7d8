"""Bad input for `sign` and `verify`: one clear line, a documented exit code, nothing written.

Credentials that cannot sign (wrong passphrase, a key that is not the
certificate's, expired, not yet valid, no signing key usage), a timestamp
authority that does not answer, PDFs that are not ours, files changed after
signing, and changes after a signature that only pretend to be tagging.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from briefpers.cli import main
from briefpers.errors import ExitCode
from briefpers.sign.keys import load_credentials
from briefpers.sign.signing import sign_pdf
from briefpers.sign.verify import load_trust, verify_pdf
from tests.sign_pki import (  # noqa: F401 - fixtures
    PASSPHRASE,
    closed_port_url,
    pki,
    seed_pdfs,
    sign_options,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def letter(seed_pdfs, tmp_path) -> Path:  # noqa: F811
    path = tmp_path / "letter.pdf"
    shutil.copyfile(seed_pdfs["pdfa-3a-ua1"], path)
    return path


def _sign(pki, pdf: Path, *extra) -> object:  # noqa: F811
    return _run("sign", pdf, "--passphrase-file", pki.passphrase_file, *extra)


@pytest.mark.parametrize(
    ("key", "cert", "message"),
    [
        ("signer.enc.pem", "signer.cert.pem", "cannot unlock the key: wrong passphrase"),
        ("signer.p12", None, "wrong passphrase"),
    ],
)
def test_a_wrong_passphrase_is_exit_10_and_never_shown(
    pki,  # noqa: F811
    letter,
    tmp_path,
    key,
    cert,
    message,
):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    before = _digest(letter)
    args = ["sign", letter, "--key", pki.file(key), "--passphrase-file", wrong]
    result = _run(*args, *(["--cert", pki.file(cert)] if cert else []))
    assert result.exit_code == ExitCode.SIGN, result.output
    assert message in result.output and result.output.count("\n") == 1
    assert "not the passphrase" not in result.output and PASSPHRASE not in result.output
    assert _digest(letter) == before


def test_an_encrypted_key_without_a_passphrase_file_says_so(pki, letter):  # noqa: F811
    key, cert = pki.file("signer.enc.pem"), pki.file("signer.cert.pem")
    result = _run("sign", letter, "--key", key, "--cert", cert)
    assert result.exit_code == ExitCode.SIGN
    assert "the key is encrypted: give --passphrase-file" in result.output


@pytest.mark.parametrize(
    ("key", "cert", "message"),
    [
        ("other.key.pem", "signer.cert.pem", "the key does not belong to the certificate"),
        ("signer.enc.pem", "expired.cert.pem", "the certificate expired on"),
        ("signer.enc.pem", "future.cert.pem", "the certificate is not valid yet"),
        ("signer.enc.pem", "nosign.cert.pem", "the certificate may not sign documents"),
    ],
)
def test_credentials_that_cannot_sign_are_refused_before_any_pdf(
    pki,  # noqa: F811
    letter,
    tmp_path,
    key,
    cert,
    message,
):
    out = tmp_path / "out"
    passphrase = [] if key == "other.key.pem" else ["--passphrase-file", pki.passphrase_file]
    result = _run(
        "sign", letter, "--key", pki.file(key), "--cert", pki.file(cert), *passphrase, "-o", out
    )
    assert result.exit_code == ExitCode.SIGN, result.output
    assert f"{pki.file(cert)}: error: {message}" in result.output
    assert not out.exists()


@pytest.mark.parametrize("level", ["B-T", "B-LTA"])
def test_an_unreachable_timestamp_authority_writes_nothing(pki, letter, tmp_path, level):  # noqa: F811
    before = _digest(letter)
    out = tmp_path / "out"
    for extra in ([], ["-o", out]):
        url = closed_port_url()
        key = ["--key", pki.file("signer.p12")]
        result = _sign(pki, letter, *key, "--level", level, "--tsa", url, *extra)
        assert result.exit_code == ExitCode.DEPENDENCY, result.output
        assert "the timestamp or revocation service did not answer" in result.output
        assert url in result.output
        assert _digest(letter) == before  # never a half-signed file
    assert not out.exists()
    assert sorted(p.name for p in letter.parent.iterdir()) == ["letter.pdf"]


def test_a_timestamped_level_needs_a_timestamp_authority(pki, letter):  # noqa: F811
    result = _sign(pki, letter, "--key", pki.file("signer.p12"), "--level", "B-LT")
    assert result.exit_code == ExitCode.USAGE
    assert "level B-LT needs a timestamp authority: --tsa URL" in result.output


def test_a_file_that_is_not_a_pdf_is_exit_6(pki, tmp_path):  # noqa: F811
    text = tmp_path / "notes.pdf"
    text.write_text("not a PDF at all\n")
    result = _sign(pki, text, "--key", pki.file("signer.p12"))
    assert result.exit_code == ExitCode.CHECK_FAILED, result.output
    assert "cannot sign this PDF" in result.output
    assert text.read_text() == "not a PDF at all\n"


def test_a_pdf_that_is_not_ours_is_signed_but_verify_reports_it_is_not_pdfa(pki, tmp_path):  # noqa: F811
    plain = tmp_path / "plain.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(plain)
    result = _sign(pki, plain, "--key", pki.file("signer.p12"))
    assert result.exit_code == 0, result.output
    checked = _run("verify", plain, "--trust", pki.root)
    assert checked.exit_code == ExitCode.CHECK_FAILED, checked.output
    assert "intact=yes valid=yes trusted=yes" in checked.output
    assert "preflight: FAIL" in checked.output
    with pikepdf.open(plain) as signed:
        (field,) = signed.Root.AcroForm.Fields
        assert field.FT == "/Sig" and "/StructParent" not in field  # no tags to join


def test_an_unsigned_pdf_fails_verify(seed_pdfs, pki):  # noqa: F811
    result = _run("verify", seed_pdfs["pdfa-3a-ua1"], "--trust", pki.root)
    assert result.exit_code == ExitCode.SIGNATURE
    assert "not signed: the PDF holds no signature" in result.output


def _append_update(path: Path, change) -> None:
    """Append an incremental update made by `change(writer)` (pyHanko's own writer)."""
    data = path.read_bytes()
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


def _rotate_first_page(writer) -> None:
    page_ref = writer.find_page_for_modification(0)[0]
    page_ref.get_object()[pdf_name("/Rotate")] = generic.NumberObject(90)
    writer.mark_update(page_ref)


def _tag_a_paragraph(writer) -> None:
    """A P element added the way a signature's Form element is: not tagging a signature."""
    tree = writer.root["/StructTreeRoot"]
    kids = tree.raw_get("/K")
    document_ref = kids if isinstance(kids, generic.IndirectObject) else kids.raw_get(0)
    document = document_ref.get_object()
    element = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/StructElem"),
                pdf_name("/S"): pdf_name("/P"),
                pdf_name("/P"): document_ref,
            }
        )
    )
    document["/K"].append(element)
    writer.mark_update(document_ref)


def _form_for_a_link(writer) -> None:
    """A Form element whose object reference is a link annotation, not a signature."""
    tree_ref = writer.root.raw_get("/StructTreeRoot")
    tree = tree_ref.get_object()
    kids = tree.raw_get("/K")
    document_ref = kids if isinstance(kids, generic.IndirectObject) else kids.raw_get(0)
    document = document_ref.get_object()
    page_ref = writer.find_page_for_modification(0)[0]
    link = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Link"),
                pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            }
        )
    )
    element = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/StructElem"),
                pdf_name("/S"): pdf_name("/Form"),
                pdf_name("/P"): document_ref,
                pdf_name("/K"): generic.DictionaryObject(
                    {pdf_name("/Type"): pdf_name("/OBJR"), pdf_name("/Obj"): link}
                ),
            }
        )
    )
    document["/K"].append(element)
    writer.mark_update(document_ref)
    writer.register_annotation(page_ref, link)
    key = int(tree["/ParentTreeNextKey"])
    tree["/ParentTree"]["/Nums"].extend([generic.NumberObject(key), element])
    writer.mark_update(tree.raw_get("/ParentTree"))
    tree[pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.mark_update(tree_ref)


@pytest.mark.parametrize("change", [_rotate_first_page, _tag_a_paragraph, _form_for_a_link])
def test_a_change_after_signing_fails_verify(pki, letter, change):  # noqa: F811
    assert _sign(pki, letter, "--key", pki.file("signer.p12")).exit_code == 0
    assert _run("verify", letter, "--trust", pki.root).exit_code == 0
    _append_update(letter, change)
    result = _run("verify", letter, "--trust", pki.root, "--json", "-")
    assert result.exit_code == ExitCode.SIGNATURE, result.output
    assert "the file was modified after signing" in result.stderr
    assert '"ok": false' in result.stdout


def test_verify_reads_a_file_that_is_not_a_pdf_as_unreadable(tmp_path):
    text = tmp_path / "notes.pdf"
    text.write_text("not a PDF at all\n")
    result = _run("verify", text)
    assert result.exit_code == ExitCode.CHECK_FAILED, result.output
    assert "FAIL" in result.output and "not a PDF that can be read" in result.output


def _signed_with(pki, letter: Path, out: Path, cert: str, days: int) -> Path:  # noqa: F811
    """The letter signed B-B with `cert`, as if it were `days` from now (signing
    checks the certificate at that moment; verify judges it now)."""
    options = sign_options(pki, "B-B", key=pki.file("signer.enc.pem"), cert=pki.file(cert))
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    credentials = load_credentials(options, now=moment)
    out.write_bytes(sign_pdf(letter.read_bytes(), credentials, options, path=letter).data)
    return out


def test_verify_says_when_the_signers_certificate_has_expired(pki, letter, tmp_path):  # noqa: F811
    # Signed while it was valid (100 days ago); verify judges it now.
    path = _signed_with(pki, letter, tmp_path / "signed.pdf", "expired.cert.pem", -100)
    report = verify_pdf(path, load_trust([pki.root]), preflight=False)
    assert report.exit_code == ExitCode.SIGNATURE
    first = report.signatures[0]
    assert first.intact and first.valid and not first.trusted
    assert first.trust_problem in ("EXPIRED", "OUT_OF_BOUNDS_NO_POE"), first.trust_problem
    assert first.problems == [
        "the signer's certificate has expired, and no timestamp proves it was used while "
        "it was good"
    ]
    assert report.to_dict()["signatures"][0]["trust_problem"] == first.trust_problem


def test_verify_without_the_signers_root_says_only_that(pki, letter, tmp_path):  # noqa: F811
    path = _signed_with(pki, letter, tmp_path / "signed.pdf", "signer.cert.pem", 0)
    report = verify_pdf(path, [], preflight=False)  # the public roots: not the test CA
    first = report.signatures[0]
    assert first.trust_problem == "NO_CERTIFICATE_CHAIN_FOUND"
    assert first.problems == [
        "the signer's certificate does not lead to a trusted root (give it with --trust)"
    ]
