"""`import --reissue-of`: the letter keeps the date it bears; the reissue has its own day.

The importer's date wins; --original-date only fills a date the input lacks
and one that contradicts the input is an error naming both dates (exit 2).
The reissue day is --reissue-date, else the day of SOURCE_DATE_EPOCH (so a
rerun gives the same bytes), else today.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers.cli import main
from briefpers.pipeline import build_letter
from briefpers.source.load import load

from .text import pdf_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
KAMERSTUK = FIXTURES / "kst-12345-67.txt"  # "Den Haag, 16 juni 2024"
OPXML = FIXTURES / "kst-12345-68.xml"  # "Den Haag, 20 juni 2024"
ROOT = Path(__file__).resolve().parents[1]
SEED = FIXTURES / "seed-navo-2022.txt"  # the seed letter; no letter date in it
IDENT = "Kamerstuk 12 345, nr. 67"
BP = "{urn:x-briefpers:letter:1.0#}"
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


def _import(tmp_path: Path, *args: str, kind: str = "text", source: Path = KAMERSTUK, env=None):
    out = tmp_path / "letter.xml"
    result = CliRunner().invoke(
        main, ["import", kind, str(source), "-o", str(out), *args], env=env or {}
    )
    return result, out


def _root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


@pytest.mark.parametrize(
    ("kind", "source", "date"),
    [
        ("text", KAMERSTUK, "2024-06-16"),
        ("opxml", OPXML, "2024-06-20"),
    ],
)
def test_the_date_found_is_the_letters_date(tmp_path, kind, source, date):
    result, out = _import(
        tmp_path, "--reissue-of", IDENT, "--reissue-date", "2026-12-01", kind=kind, source=source
    )
    assert result.exit_code == 0, result.output
    root = _root(out)
    assert root.findtext("date") == date
    assert root.find("reissue").attrib == {"of": IDENT, "date": "2026-12-01"}
    assert root.find("reissue-of") is None  # the deprecated form is not written
    assert load(out).reissue.date == dt.date(2026, 12, 1)


def test_an_original_date_that_agrees_is_accepted(tmp_path):
    result, out = _import(tmp_path, "--reissue-of", IDENT, "--original-date", "2024-06-16")
    assert result.exit_code == 0, result.output
    assert _root(out).findtext("date") == "2024-06-16"


def test_an_original_date_that_contradicts_the_text_is_an_error(tmp_path):
    result, out = _import(tmp_path, "--reissue-of", IDENT, "--original-date", "2024-06-17")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{KAMERSTUK}: error: --original-date 2024-06-17 contradicts the letter's own date "
        "2024-06-16 found in the text; leave --original-date out or correct the input"
    ]
    assert not out.exists()


def test_an_original_date_fills_a_date_the_text_lacks(tmp_path):
    result, out = _import(
        tmp_path, "--reissue-of", "kst-28676-123", "--original-date", "2022-01-14", source=SEED
    )
    assert result.exit_code == 0, result.output
    root = _root(out)
    assert root.findtext("date") == "2022-01-14"
    assert any("given on the command line" in c.text for c in root.iter(etree.Comment))


def test_without_any_date_the_placeholder_stays_for_lint(tmp_path):
    result, out = _import(tmp_path, "--reissue-of", "kst-28676-123", source=SEED)
    assert result.exit_code == 0, result.output
    assert _root(out).findtext("date") == "1900-01-01"
    assert CliRunner().invoke(main, ["lint", str(out)]).exit_code == 8


def test_the_reissue_day_comes_from_source_date_epoch_reproducibly(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1764547200"}  # 2025-12-01T00:00:00Z
    first, out = _import(tmp_path, "--reissue-of", IDENT, env=env)
    assert first.exit_code == 0, first.output
    data = out.read_bytes()
    assert _root(out).find("reissue").get("date") == "2025-12-01"
    again, _ = _import(tmp_path, "--reissue-of", IDENT, env=env)
    assert again.exit_code == 0 and out.read_bytes() == data


def test_the_reissue_day_defaults_to_today(tmp_path):
    before = dt.date.today()
    result, out = _import(tmp_path, "--reissue-of", IDENT, env={"SOURCE_DATE_EPOCH": ""})
    assert result.exit_code == 0, result.output
    day = dt.date.fromisoformat(_root(out).find("reissue").get("date"))
    assert before <= day <= dt.date.today()


@pytest.mark.parametrize("epoch", ["abc", "1.5", "99999999999999"])
def test_an_unusable_source_date_epoch_is_a_usage_error(tmp_path, epoch):
    result, _ = _import(tmp_path, "--reissue-of", IDENT, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: SOURCE_DATE_EPOCH={epoch!r}: must be whole seconds since 1970 "
        "(ASCII digits, at most 253402300799)"
    ]


@pytest.mark.parametrize(
    "args", [["--original-date", "2024-06-16"], ["--reissue-date", "2026-12-01"]]
)
def test_reissue_options_need_reissue_of(tmp_path, args):
    result, _ = _import(tmp_path, *args)
    assert result.exit_code == 2
    assert "need --reissue-of" in result.output


def test_a_built_reissue_keeps_the_original_date_and_records_the_reissue(tmp_path):
    result, out = _import(
        tmp_path,
        "--reissue-of",
        IDENT,
        "--reissue-date",
        "2026-12-01",
        "--reissue-reason",
        "Heruitgave voor het archief",
    )
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(build_letter(out).pdf)
    with pikepdf.open(pdf) as doc:
        xmp = etree.fromstring(doc.Root.Metadata.read_bytes())
    dates = [li.text for li in xmp.iterfind(".//dc:date//rdf:li", NS)]
    assert dates == ["2024-06-16"]  # dc:date is the letter's own date
    values = {
        n: xmp.findtext(f".//{BP}{n}")
        for n in ("originalIdentifier", "originalDate", "reissueDate", "reissueReason")
    }
    assert values == {
        "originalIdentifier": IDENT,
        "originalDate": "2024-06-16",
        "reissueDate": "2026-12-01",
        "reissueReason": "Heruitgave voor het archief",
    }
    created = xmp.findtext(".//xmp:CreateDate", namespaces=NS) or xmp.xpath(
        "string(//@xmp:CreateDate)", namespaces=NS
    )
    assert created.startswith("2026-12-01")  # made on the reissue day
    # On the page: the letter's own date where the Kamerstuk prints it, and a
    # visible reissue line naming the original and both days.
    text = " ".join(pdf_text(pdf).split())
    assert "Den Haag, 16 juni 2024" in text
    line = text[text.index("Heruitgave") :]
    assert IDENT.split(",")[0] in line and "16 juni 2024" in line and "1 december 2026" in line
