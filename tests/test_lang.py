"""Languages by a library: dates from CLDR, labels and dates by one rule
(the letter's language, then the theme's default language, key by key)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pikepdf
import pytest
from lxml import html as lxml_html

from briefpers import language
from briefpers.errors import ThemeError
from briefpers.pipeline import build_letter
from briefpers.render.html import format_date, render_html
from briefpers.source.load import load
from briefpers.themes import load_theme

from .pdf_measure import copy_theme
from .structure import elements
from .test_source import write
from .text import pdf_text

LETTER = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="{lang}">
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation>
    <return-address>Postbus 1 2500 AA  Den Haag</return-address></sender>
  <recipient><line>De Voorzitter</line></recipient>
  <date>{date}</date>
  <subject>Een onderwerp</subject>
  <references><ours>REF-1</ours><yours>UW-2</yours></references>
  <attachments count="2"/>
  <body><p>Tekst.</p></body>
</letter>
"""
# Every month name of the languages the built-in themes ship, written out here
# (not taken from the library under test), to see that none leaks into the others.
MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}


def pdf_of(tmp_path: Path, lang: str, theme: str = "rijk", date: str = "2023-05-19") -> str:
    source = write(tmp_path, LETTER.format(lang=lang, date=date), f"letter-{lang}.xml")
    out = tmp_path / f"letter-{lang}-{theme}.pdf"
    out.write_bytes(build_letter(source, theme=theme).pdf)
    return pdf_text(out)


def header_html(tmp_path: Path, lang: str, theme: str = "rijk"):
    source = write(tmp_path, LETTER.format(lang=lang, date="2023-05-19"), f"h-{lang}.xml")
    return lxml_html.document_fromstring(render_html(load(source), load_theme(theme)))


def date_line(text: str) -> str:
    """The line of the PDF's text that holds the printed date (rijk: after its label)."""
    return next(line for line in text.splitlines() if "2023" in line and "REF" not in line)


def test_german_letter_in_rijk_prints_german_date_and_labels(tmp_path: Path) -> None:
    text = pdf_of(tmp_path, "de")
    assert "Datum 19. Mai 2023" in text
    for label in ("Betreff", "Unser Zeichen", "Ihr Zeichen", "Anlage(n)", "Seite 1 von 1"):
        assert label in text, label
    assert "> Rücksendeadresse" in text
    for dutch in ("Betreft", "Ons kenmerk", "Pagina", "mei"):
        assert dutch not in text, dutch


def test_french_letter_gets_french_months_and_labels(tmp_path: Path) -> None:
    text = pdf_of(tmp_path, "fr", date="2023-08-19")
    assert "Date 19 août 2023" in text
    for label in ("Objet", "Notre référence", "Votre référence", "Page 1 sur 1"):
        assert label in text, label
    assert "August" not in text and "augustus" not in text


@pytest.mark.parametrize("theme", ["rijk", "plain"])
@pytest.mark.parametrize("lang", ["de", "fr", "en", "nl"])
def test_every_month_in_the_letters_language(lang: str, theme: str) -> None:
    """Twelve dates: each month name is the language's own, in the theme's pattern."""
    wording = load_theme(theme).wording(lang)
    names = MONTHS[lang].split()
    for month in range(1, 13):
        printed = format_date(dt.date(2023, month, 9), wording.lang, wording.date_pattern)
        assert names[month - 1] in printed.split(), printed
        assert "2023" in printed


def test_dutch_date_is_the_house_style() -> None:
    rijk = load_theme("rijk").wording("nl")
    assert format_date(dt.date(2015, 5, 19), rijk.lang, rijk.date_pattern) == "19 mei 2015"
    assert format_date(dt.date(2023, 5, 19), "de") == "19. Mai 2023"  # CLDR's long date
    assert format_date(dt.date(2023, 5, 19), "fr") == "19 mai 2023"
    en = load_theme("plain").wording("en")
    assert format_date(dt.date(2023, 5, 19), en.lang, en.date_pattern) == "19 May 2023"


@pytest.mark.parametrize(
    ("lang", "date_text", "date_label"),
    [
        ("nl-BE", "19 mei 2023", "Datum"),
        ("de-CH", "19. Mai 2023", "Datum"),
        ("en-US", "19 May 2023", "Date"),  # the theme's pattern wins over CLDR's "May 19"
        ("tlh", "19 mei 2023", "Datum"),  # unknown to CLDR: the theme's language speaks
        ("x-klingon", "19 mei 2023", "Datum"),
        ("und", "19 mei 2023", "Datum"),  # "undetermined" is no language (Babel says en_US)
        ("es", "19 mei 2023", "Datum"),  # no Spanish labels: date and labels in Dutch
    ],
)
def test_regional_and_unknown_languages(tmp_path, lang, date_text, date_label) -> None:
    text = pdf_of(tmp_path, lang)
    assert f"{date_label} {date_text}" in text


def test_no_month_beside_a_label_of_another_language(tmp_path: Path) -> None:
    """For every language a letter may name, the date's month is in the language
    of the label beside it (checked in the PDF's text)."""
    date_label = {"Datum": {"nl", "de"}, "Date": {"en", "fr"}}
    for lang in ("nl", "en", "de", "fr", "nl-BE", "de-AT", "fr-CA", "en-GB", "es", "tlh", "fy"):
        line = date_line(pdf_of(tmp_path, lang))
        label, _, printed = line.partition(" ")
        words = set(printed.split())
        month_langs = {m for m, names in MONTHS.items() if words & set(names.split())}
        assert month_langs, (lang, line)
        assert month_langs <= date_label[label], (lang, line)
        wording = load_theme("rijk").wording(lang)
        assert language.primary(wording.label_langs["date"]) == language.primary(wording.lang)


def test_partial_label_table_falls_back_key_by_key(tmp_path: Path) -> None:
    """A German table with only two labels: those two in German, the rest in the
    default language; the date follows its label."""
    theme = copy_theme("rijk", tmp_path / "partial")
    toml = (theme / "theme.toml").read_text(encoding="utf-8")
    start = toml.index("[labels.de]")
    end = toml.index("[labels.fr]")
    partial = '[labels.de]\nsubject = "Betreff"\npage = "Seite"\n\n'
    (theme / "theme.toml").write_text(toml[:start] + partial + toml[end:], encoding="utf-8")
    loaded = load_theme(str(theme))
    labels = loaded.labels_for("de")
    assert labels["subject"] == "Betreff" and labels["page"] == "Seite"
    assert labels["date"] == "Datum" and labels["our_reference"] == "Ons kenmerk"
    assert loaded.wording("de").label_langs["our_reference"] == "nl"
    # "Datum" came from Dutch, so the date is Dutch too: no German month beside it.
    wording = loaded.wording("de")
    assert wording.lang == "nl"
    source = write(tmp_path, LETTER.format(lang="de", date="2023-05-19"), "partial.xml")
    out = tmp_path / "partial.pdf"
    out.write_bytes(build_letter(source, theme=str(theme)).pdf)
    text = pdf_text(out)
    assert "Datum 19 mei 2023" in text and "Betreff" in text and "Seite 1 van 1" in text


def test_labels_in_another_language_are_marked(tmp_path: Path) -> None:
    """A Spanish letter in rijk has Dutch labels: they carry lang="nl" (PDF/UA),
    in the HTML and as /Lang in the structure tree."""
    doc = header_html(tmp_path, "es")
    date = doc.xpath("//p[contains(@class, 'date')]")[0]
    assert date.get("lang") == "nl"
    assert (
        doc.xpath("//h1[contains(@class, 'subject')]/span[@class='label']")[0].get("lang") == "nl"
    )
    assert doc.get("lang") == "es"
    # A German letter's own labels are not marked.
    german = header_html(tmp_path, "de")
    assert not german.xpath("//header//*[@lang]")
    source = write(tmp_path, LETTER.format(lang="es", date="2023-05-19"), "es.xml")
    with pikepdf.open(io.BytesIO(build_letter(source).pdf)) as pdf:
        langs = {str(e.Lang) for e in elements(pdf) if "/Lang" in e}
        assert "nl" in langs
        assert str(pdf.Root.Lang) == "es"


def test_theme_language_settings_are_checked(tmp_path: Path) -> None:
    unknown = copy_theme("rijk", tmp_path / "unknown")
    toml = (unknown / "theme.toml").read_text(encoding="utf-8")
    (unknown / "theme.toml").write_text(
        toml.replace('default_lang = "nl"', 'default_lang = "tlh"'), encoding="utf-8"
    )
    with pytest.raises(ThemeError, match="default_lang 'tlh' is not a language CLDR knows"):
        load_theme(str(unknown))
    pattern = copy_theme("rijk", tmp_path / "pattern")
    toml = (pattern / "theme.toml").read_text(encoding="utf-8")
    (pattern / "theme.toml").write_text(
        toml.replace('en = "d MMMM y"', 'en = "d MMMM"'), encoding="utf-8"
    )
    with pytest.raises(ThemeError, match=r"dates\.en names no year"):
        load_theme(str(pattern))


def test_a_theme_date_pattern_applies_to_its_language(tmp_path: Path) -> None:
    theme = copy_theme("rijk", tmp_path / "patterned")
    toml = (theme / "theme.toml").read_text(encoding="utf-8")
    (theme / "theme.toml").write_text(
        toml.replace("[dates]\n", '[dates]\nde = "EEEE, d. MMMM y"\n'), encoding="utf-8"
    )
    wording = load_theme(str(theme)).wording("de-CH")
    assert format_date(dt.date(2023, 5, 19), wording.lang, wording.date_pattern) == (
        "Freitag, 19. Mai 2023"
    )
