"""The PDF 2.0 profile pdfa-4f-ua2: version, declarations, namespace, FENote and Ref.

(veraPDF's verdicts on it are in test_conformance; link resolution in test_links.)
"""

from __future__ import annotations

import pikepdf
import pytest
from lxml import etree

from briefpers.check.preflight import preflight
from briefpers.pipeline import build_letter
from briefpers.profiles import PROFILES, WTPDF_ACCESSIBILITY, WTPDF_REUSE
from briefpers.tagging.namespaces import PDF2_NAMESPACE
from briefpers.xmp_names import NS

from .conftest import INPUT
from .structure import elements, kids

SOURCE = INPUT / "water-quality-2023.xml"


@pytest.fixture(scope="module")
def pdf2(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf2") / "letter.pdf"
    path.write_bytes(build_letter(SOURCE, profile="pdfa-4f-ua2").pdf)
    return path


def xmp_values(pdf: pikepdf.Pdf, prefix: str, name: str) -> list[str]:
    root = etree.fromstring(pdf.Root.Metadata.read_bytes())
    return [e.text for e in root.iter(f"{{{NS[prefix]}}}{name}")]


def test_a_pdf_2_file_without_info_dictionary(pdf2) -> None:
    assert pdf2.read_bytes().startswith(b"%PDF-2.0\n")
    with pikepdf.open(pdf2) as pdf:
        assert pdf.pdf_version == "2.0"
        # PDF/A-4: document metadata lives in XMP only
        assert "/Info" not in pdf.trailer
        root = etree.fromstring(pdf.Root.Metadata.read_bytes())
        titles = root.findall(f".//{{{NS['dc']}}}title//{{{NS['rdf']}}}li")
        assert [t.text for t in titles] == [
            "Progress report on the Water Framework Directive river basin measures, "
            "second quarter of the third planning period"
        ]


def test_declares_pdfa_4f_pdfua_2_and_wtpdf(pdf2) -> None:
    with pikepdf.open(pdf2) as pdf:
        found = {
            (p, n): xmp_values(pdf, p, n)
            for p, n in [
                ("pdfaid", "part"),
                ("pdfaid", "conformance"),
                ("pdfaid", "rev"),
                ("pdfuaid", "part"),
                ("pdfuaid", "rev"),
                ("pdfd", "conformsTo"),
            ]
        }
    assert found == {
        ("pdfaid", "part"): ["4"],
        ("pdfaid", "conformance"): ["F"],
        ("pdfaid", "rev"): ["2020"],
        ("pdfuaid", "part"): ["2"],
        ("pdfuaid", "rev"): ["2024"],
        ("pdfd", "conformsTo"): [WTPDF_ACCESSIBILITY, WTPDF_REUSE],
    }
    assert PROFILES["pdfa-4f-ua2"].flavours == ("4f", "ua2", "wt1a", "wt1r")


def test_the_source_is_an_associated_file(pdf2) -> None:
    with pikepdf.open(pdf2) as pdf:
        (spec,) = pdf.Root.AF
        assert spec.AFRelationship == "/Source"
        assert spec.EF.F.read_bytes() == SOURCE.read_bytes()
        assert list(pdf.attachments) == ["water-quality-2023.xml"]
    assert preflight(pdf2).ok, preflight(pdf2).problems


def test_every_element_is_in_the_pdf_2_namespace(pdf2) -> None:
    with pikepdf.open(pdf2) as pdf:
        (namespace,) = pdf.Root.StructTreeRoot.Namespaces
        assert str(namespace.NS) == PDF2_NAMESPACE
        elems = list(elements(pdf))
        assert elems and all(e.NS.objgen == namespace.objgen for e in elems)
        assert not any(e.S == "/Note" for e in elems), "Note is not a PDF 2.0 type"


def test_footnotes_are_fenotes_that_refer_to_their_calls_and_back(pdf2) -> None:
    with pikepdf.open(pdf2) as pdf:
        notes = [e for e in elements(pdf) if e.S == "/FENote"]
        assert [str(n.ID) for n in notes] == ["note-1", "note-2", "note-3"]
        for note in notes:
            label = kids(note)[0]
            assert (label.S, [k.S for k in kids(label)]) == ("/Lbl", ["/Link"])
            (call,) = note.Ref
            assert call.S == "/Link"
            assert [n.objgen for n in call.Ref] == [note.objgen]


def test_other_profiles_stay_pdf_1_7(tmp_path) -> None:
    for name in ("pdfa-3a-ua1", "pdfa-2a-ua1"):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(build_letter(SOURCE, profile=name).pdf)
        assert path.read_bytes().startswith(b"%PDF-1.7\n")
        with pikepdf.open(path) as p:
            assert "/Info" in p.trailer
            assert "/Namespaces" not in p.Root.StructTreeRoot
            assert any(e.S == "/Note" for e in elements(p))
