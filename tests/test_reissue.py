"""A reissue keeps the letter's own date, says on page 1 that it is a reissue,
and records both dates and the original in the XMP."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from lxml import etree

from briefpers.check.verapdf import validate
from briefpers.pipeline import build_letter

from .structure import elements, kids, marked_content
from .test_source import write
from .text import pdf_text

BP = "{urn:x-briefpers:letter:1.0#}"
HEADINGS = pikepdf.Name.H1
REISSUE = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="{lang}"{kind}>
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation></sender>
  <recipient><line>De Voorzitter van de Tweede Kamer</line>
    <line>der Staten-Generaal</line></recipient>
  <place>Den Haag</place>
  <date>2020-06-16</date>
  <subject>Voorbeelddossier</subject>
  <parliamentary dossier="12345" number="67">
    <dossier-title>Voorbeelddossier</dossier-title>
    <document-title>BRIEF VAN DE MINISTER VAN VOORBEELDEN</document-title>
  </parliamentary>
  <reissue of="Kamerstuk 12 345, nr. 67" date="2026-12-01">{reason}</reissue>
  <body><p>De tekst van de brief.</p></body>
  <signatories><signatory><function>De Minister van Voorbeelden,</function>
    <name>A.B. Voorbeeld</name></signatory></signatories>
</letter>
"""


def source(tmp_path: Path, lang="nl", kind="", reason="", name="reissue") -> Path:
    kind_attr = f' kind="{kind}"' if kind else ""
    reason_el = f"<reason>{reason}</reason>" if reason else ""
    text = REISSUE.format(lang=lang, kind=kind_attr, reason=reason_el)
    return write(tmp_path, text, f"{name}.xml")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The same reissue in rijk (both profiles), plain and the Kamerstuk layout."""
    tmp = tmp_path_factory.mktemp("reissue")
    out = {}
    letter = source(tmp, reason="Een tabel was onleesbaar")
    for key, theme, profile in (
        ("rijk", "rijk", None),
        ("rijk-2a", "rijk", "pdfa-2a-ua1"),
        ("plain", "plain", None),
    ):
        path = tmp / f"{key}.pdf"
        path.write_bytes(build_letter(letter, theme=theme, profile=profile).pdf)
        out[key] = path
    kamerstuk = source(tmp, kind="kamerstuk", name="kamerstuk")
    out["kamerstuk"] = tmp / "kamerstuk.pdf"
    out["kamerstuk"].write_bytes(build_letter(kamerstuk).pdf)
    return out


def xmp(path: Path):
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        return {
            key: meta.get(key)
            for key in (
                "dc:date",
                "xmp:CreateDate",
                "xmp:ModifyDate",
                "dc:identifier",
                f"{BP}originalIdentifier",
                f"{BP}originalDate",
                f"{BP}reissueDate",
                f"{BP}reissueReason",
            )
        }, pdf.Root.Metadata.read_bytes().decode()


LINE = "Heruitgave van Kamerstuk 12 345, nr. 67 van 16 juni 2020, heruitgegeven op 1 december 2026."


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_rijk_prints_the_original_date_and_the_reissue_line(built) -> None:
    text = pdf_text(built["rijk"])
    assert "Datum 16 juni 2020" in text  # the letter's own date, not the reissue's
    assert LINE + " Reden: Een tabel was onleesbaar." in one_line(text)
    assert "Datum 1 december 2026" not in text


def test_kamerstuk_prints_place_date_and_the_reissue_line(built) -> None:
    text = one_line(pdf_text(built["kamerstuk"]))
    assert "Den Haag, 16 juni 2020" in text
    assert LINE in text


def test_plain_prints_the_line_too(built) -> None:
    assert LINE in one_line(pdf_text(built["plain"]))


def test_the_line_is_tagged_text_on_page_one(built) -> None:
    """A P of its own in the structure tree (not an artifact, not a heading,
    no bookmark), on the first page."""
    with pikepdf.open(built["rijk"]) as pdf, pdfplumber.open(built["rijk"]) as plumber:
        by_mcid: dict[tuple[int, int], list[str]] = {}
        for index, page in enumerate(plumber.pages):
            for char in page.chars:
                if char.get("mcid") is not None:
                    by_mcid.setdefault((index, char["mcid"]), []).append(char["text"])

        def text_of(elem) -> str:
            spans = [e for e in [elem, *descendants(elem)] if "/K" in e]
            return "".join(
                "".join(by_mcid.get(mc, [])) for e in spans for mc in marked_content(e, pdf)
            )

        found = [(e, text_of(e)) for e in elements(pdf) if e.S in (pikepdf.Name.P, HEADINGS)]
        reissue = [(e, t) for e, t in found if "Heruitgave" in t]
        assert len(reissue) == 1
        elem, text = reissue[0]
        assert elem.S == pikepdf.Name.P
        assert text.startswith("Heruitgave van Kamerstuk")
        pages = {page for page, _ in marked_content(elem, pdf)} or {
            page for d in descendants(elem) for page, _ in marked_content(d, pdf)
        }
        assert pages == {0}
        titles = [str(item.title) for item in pdf.open_outline().root]
        assert titles and not any("Heruitgave" in t for t in titles)
        # Not an artifact: every glyph of the line is marked content of the tree.
        line = [c for c in plumber.pages[0].chars if c.get("tag") == "Artifact"]
        assert "Heruitgave" not in "".join(c["text"] for c in line)


def descendants(elem):
    for kid in kids(elem):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from descendants(kid)


@pytest.mark.parametrize("key", ["rijk", "rijk-2a", "plain", "kamerstuk"])
def test_xmp_has_both_dates_and_the_original(built, key) -> None:
    values, packet = xmp(built[key])
    assert values["dc:date"] == ["2020-06-16"]  # the date the letter bears
    assert values["xmp:CreateDate"] == "2026-12-01T00:00:00+00:00"  # the reissue
    assert values[f"{BP}originalIdentifier"] == "Kamerstuk 12 345, nr. 67"
    assert values[f"{BP}originalDate"] == "2020-06-16"
    assert values[f"{BP}reissueDate"] == "2026-12-01"
    # Standard provenance: xmpMM:DerivedFrom, a ResourceRef naming the original.
    tree = etree.fromstring(packet.split("?>", 1)[1].rsplit("<?xpacket", 1)[0].encode())
    ns = {
        "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
        "stRef": "http://ns.adobe.com/xap/1.0/sType/ResourceRef#",
    }
    ids = tree.xpath("//xmpMM:DerivedFrom/stRef:documentID/text()", namespaces=ns)
    assert ids == ["Kamerstuk 12 345, nr. 67"]


def test_reason_is_recorded_when_given(built) -> None:
    with_reason, _ = xmp(built["rijk"])
    without, _ = xmp(built["kamerstuk"])
    assert with_reason[f"{BP}reissueReason"] == "Een tabel was onleesbaar"
    assert without[f"{BP}reissueReason"] is None


def test_a_letter_that_is_no_reissue_has_no_line_and_no_provenance(tmp_path: Path) -> None:
    plain = REISSUE.format(lang="nl", kind="", reason="").replace(
        '<reissue of="Kamerstuk 12 345, nr. 67" date="2026-12-01"></reissue>',
        "",
    )
    letter = write(tmp_path, plain, "original.xml")
    pdf = tmp_path / "original.pdf"
    pdf.write_bytes(build_letter(letter).pdf)
    assert "Heruitgave" not in pdf_text(pdf)
    values, packet = xmp(pdf)
    assert values["xmp:CreateDate"] == "2020-06-16T00:00:00+00:00"
    assert "DerivedFrom" not in packet


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Reissue of Kamerstuk 12 345, nr. 67 of 16 June 2020, reissued on 1 December 2026."),
        (
            "de",
            "Neuausgabe von Kamerstuk 12 345, nr. 67 vom 16. Juni 2020, "
            "neu herausgegeben am 1. Dezember 2026.",
        ),
        (
            "fr",
            "Réédition de Kamerstuk 12 345, nr. 67 du 16 juin 2020, rééditée le 1 décembre 2026.",
        ),
    ],
)
def test_the_line_speaks_the_letters_language(tmp_path: Path, lang: str, expected: str) -> None:
    letter = source(tmp_path, lang=lang, name=f"reissue-{lang}")
    pdf = tmp_path / f"{lang}.pdf"
    pdf.write_bytes(build_letter(letter, theme="rijk").pdf)
    assert expected in one_line(pdf_text(pdf))


@pytest.mark.verapdf
def test_reissues_pass_verapdf(built) -> None:
    paths = list(built.values())
    verdicts = validate(paths)
    for path, verdict in zip(paths, verdicts, strict=True):
        assert verdict.error is None, (path.name, verdict.error)
        failed = [r.rule_id for f in verdict.flavours for r in f.failed_rules]
        assert verdict.flavours and failed == [], (path.name, failed)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (("{reissued}.", "{when}."), "label 'reissue': unknown placeholder {when}"),
        (('reissue_reason = "Reden: {reason}"\n', ""), "no label 'reissue_reason' for a reissue"),
    ],
)
def test_a_theme_with_a_broken_reissue_label_is_a_theme_error(tmp_path, replace, message):
    """A theme's mistake is exit 4 with one line naming theme.toml, never a traceback."""
    from click.testing import CliRunner

    from briefpers.cli import main

    from .pdf_measure import copy_theme

    theme = copy_theme("rijk", tmp_path / "broken")
    toml = theme / "theme.toml"
    text = toml.read_text(encoding="utf-8")
    nl = text.index("[labels.nl]")
    en = text.index("[labels.en]")
    section = text[nl:en]
    assert replace[0] in section
    toml.write_text(text[:nl] + section.replace(*replace) + text[en:], encoding="utf-8")
    letter = source(tmp_path)
    result = CliRunner().invoke(
        main, ["build", str(letter), "-o", str(tmp_path / "out"), "--theme", str(theme)]
    )
    assert result.exit_code == 4, result.output
    assert message in result.output
    assert str(toml) in result.output
    assert "Traceback" not in result.output


def test_the_lines_dates_speak_the_lines_language(tmp_path: Path) -> None:
    """A German table that has the date label but no reissue wording: the
    Datum line is German, the reissue line Dutch throughout (no German month
    inside a Dutch sentence), and marked lang="nl"."""
    from lxml import html as lxml_html

    from briefpers.render.html import render_html
    from briefpers.source.load import load
    from briefpers.themes import load_theme

    from .pdf_measure import copy_theme

    theme = copy_theme("rijk", tmp_path / "partial")
    toml = theme / "theme.toml"
    text = toml.read_text(encoding="utf-8")
    start, end = text.index("[labels.de]"), text.index("[labels.fr]")
    toml.write_text(text[:start] + '[labels.de]\ndate = "Datum"\n\n' + text[end:], encoding="utf-8")
    letter = source(tmp_path, lang="de", name="partial")
    pdf = tmp_path / "partial.pdf"
    pdf.write_bytes(build_letter(letter, theme=str(theme)).pdf)
    printed = one_line(pdf_text(pdf))
    assert "Datum 16. Juni 2020" in printed
    assert LINE in printed
    doc = lxml_html.document_fromstring(render_html(load(letter), load_theme(str(theme))))
    assert doc.xpath("//p[@class='reissue']")[0].get("lang") == "nl"
    assert doc.xpath("//p[contains(@class, 'date')]")[0].get("lang") is None
