"""The HTML stage: semantic elements, language, escaping, footnotes."""

from __future__ import annotations

import datetime as dt

from lxml import html as lxml_html

from briefpers.render.html import format_date, render_html
from briefpers.source.load import load
from briefpers.themes import load_theme

from .conftest import INPUT
from .test_source import MINIMAL, write


def render(path):
    return lxml_html.document_fromstring(render_html(load(path), load_theme()))


def test_dates_in_the_letters_language() -> None:
    assert format_date(dt.date(2022, 1, 13), "nl") == "13 januari 2022"
    assert format_date(dt.date(2022, 1, 13), "en-GB") == "13 January 2022"


def test_seed_html_is_semantic() -> None:
    doc = render(INPUT / "navo-ministeriele-2022.xml")
    assert doc.get("lang") == "nl"
    h1 = doc.xpath("//h1")
    assert "Verslag NAVO ministeriële bijeenkomst" in h1[0].text_content()
    assert h1[1].text_content() == "VERSLAG NAVO MINISTERIËLE 7 JANUARI"
    assert [h.text_content() for h in doc.xpath("//section[@class='annex']//h2")] == [
        "Inleiding",
        "Veiligheidssituatie Oost-Europa/NRR",
    ]
    notes = doc.xpath("//span[@class='footnote']")
    assert [n.get("id") for n in notes] == ["note-1"]
    label = notes[0].xpath("a[@class='note-label']")[0]  # the number links back to the call
    assert (label.text, label.get("href")) == ("1", "#call-1")
    assert notes[0].xpath("span[@class='note-body']")[0].text_content() == (
        "Kamerstuk 28676 nr. 350 van 30 november 2020"
    )
    call = notes[0].getprevious()
    assert (call.tag, call.get("href"), call.text, call.get("id")) == (
        "a",
        "#note-1",
        "1",
        "call-1",
    )
    assert call.get("title") == "Voetnoot 1"
    assert doc.xpath("//span[@lang='en']")[0].text_content() == "area of responsibility"
    assert "Pagina " in doc.xpath("//style")[0].text


def test_english_letter_tables_and_lists() -> None:
    doc = render(INPUT / "water-quality-2023.xml")
    assert doc.get("lang") == "en"
    assert [th.get("scope") for th in doc.xpath("//thead//th")] == ["col"] * 4
    assert doc.xpath("//tbody//th")[0].get("scope") == "row"
    assert len(doc.xpath("//ol/li")) == 3
    assert len(doc.xpath("//span[@class='footnote']")) == 3
    assert len(doc.xpath("//div[@class='signatory']")) == 2
    assert "Page " in doc.xpath("//style")[0].text


def test_text_is_escaped(tmp_path) -> None:
    source = MINIMAL.replace("Tekst.", "a &lt;script&gt; &amp; b").replace(
        "Een onderwerp", "x &lt;b&gt;y&lt;/b&gt;"
    )
    doc = render(write(tmp_path, source))
    assert not doc.xpath("//script") and not doc.xpath("//h1//b")
    assert "a <script> & b" in doc.text_content()
