"""The web edition's page, read as HTML: landmarks, languages, footnotes linked both
ways, images embedded with their alternative text, nothing that loads, the same
bytes from any folder; and the bad input it refuses. (The browser tests, with
axe-core and screenshots, are in test_web_browser.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from briefpers.cli import main
from briefpers.editions import web_edition
from briefpers.errors import ExitCode, SourceError, ThemeError
from briefpers.source.load import load

from .archive_kit import archive_build, letter
from .conftest import CORPUS, EXAMPLES
from .letter_kit import theme_copy

EVERY = EXAMPLES + CORPUS


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return archive_build(tmp_path_factory)


def page(path: Path):
    return lxml.html.document_fromstring(path.read_bytes())


@pytest.mark.parametrize("source", EVERY, ids=lambda p: p.stem)
def test_every_page_has_landmarks_languages_and_linked_notes(source, out) -> None:
    doc = page(out / f"{source.stem}.html")
    letter = load(source)
    assert doc.get("lang") == letter.lang
    body = doc.body
    assert [el.tag for el in body] == ["header", "main", "footer"]
    assert len(doc.xpath("//main")) == 1 and len(doc.xpath("//header")) == 1
    assert doc.xpath("//h1"), "every page has a heading of the first level"
    # Each note of the source is one item in the footer's list.
    notes = doc.xpath("//footer//ol[@class='notes']/li")
    assert len(notes) == len(list(letter.body.getroottree().iter("note")))
    assert [int(li.get("value")) for li in notes] == list(range(1, len(notes) + 1))
    ids = {el.get("id") for el in doc.iter() if el.get("id")}
    calls = doc.xpath("//a[contains(@class, 'note-call')]")
    assert len(calls) == len(notes) + len(list(letter.body.getroottree().iter("noteref")))
    for call in calls:
        assert call.get("href")[1:] in ids and call.get("role") == "doc-noteref"
    backs = doc.xpath("//a[@class='note-back']")
    assert len(backs) == len(calls), "every call has a way back from its note"
    for back in backs:
        target = back.get("href")[1:]
        assert target in ids and doc.get_element_by_id(target).get("href") == (
            f"#{back.getparent().get('id')}"
        )
        assert back.get("aria-label")
    # Inline languages of the source stay marked.
    source_langs = sorted(
        el.get("{http://www.w3.org/XML/1998/namespace}lang")
        for el in letter.body.getroottree().iter()
        if isinstance(el.tag, str) and el.get("{http://www.w3.org/XML/1998/namespace}lang")
    )
    assert len(doc.xpath("//main//*[@lang]")) >= len(source_langs) - 1  # less the root


@pytest.mark.parametrize("source", EVERY, ids=lambda p: p.stem)
def test_every_page_loads_nothing_and_shows_images_with_their_alt_text(source, out) -> None:
    data = (out / f"{source.stem}.html").read_bytes()
    doc = lxml.html.document_fromstring(data)
    assert not doc.xpath("//link | //script | //iframe | //object | //embed | //base")
    for img in doc.iter("img"):
        assert img.get("src").startswith("data:image/"), img.get("src")[:60]
        assert img.get("alt") is not None
    for el in doc.xpath("//*[@src or @srcset or @poster]"):
        assert el.tag == "img"
    style = "".join(doc.xpath("//style/text()"))
    assert "url(" not in style and "@import" not in style
    assert b"file:" not in data and b"/tmp/" not in data
    assert doc.xpath("//meta[@name='viewport']") and doc.xpath("//meta[@charset='utf-8']")


def test_signature_images_are_embedded_with_their_alt_text(out) -> None:
    doc = page(out / "c11-signature-image.html")
    signatures = doc.xpath("//div[@class='signature']/img")
    source = load(next(p for p in CORPUS if p.stem == "c11-signature-image"))
    assert [img.get("alt") for img in signatures] == [
        s.signature_alt for s in source.signatories if s.signature_src
    ]
    assert all(img.get("src").startswith("data:image/png;base64,") for img in signatures)


def test_the_reissue_line_is_part_of_the_letter(tmp_path) -> None:
    reissue = (
        '<reissue of="Kamerstuk 12 345, nr. 67" date="2026-12-01">'
        "<reason>Een drukfout hersteld</reason></reissue>"
    )
    doc = lxml.html.document_fromstring(web_edition(letter(tmp_path, after_references=reissue)))
    line = doc.xpath("//main/p[@class='reissue']")
    assert [" ".join(p.text_content().split()) for p in line] == [
        "Heruitgave van Kamerstuk 12 345, nr. 67 van 16 juni 2020, heruitgegeven op "
        "1 december 2026. Reden: Een drukfout hersteld."
    ]
    # A footnote in the subject is a note like any other, its call in the heading.
    assert doc.xpath("//h1//a[@class='note-call']/@href") == ["#note-1"]
    assert doc.xpath("//footer//li[@id='note-1']")[0].text.startswith("Met een noot")


def test_the_same_letter_gives_the_same_page_from_any_folder(tmp_path, out) -> None:
    source = next(p for p in CORPUS if p.stem == "c11-signature-image")
    copy = tmp_path / "copy"
    shutil.copytree(source.parent, copy, ignore=shutil.ignore_patterns("*.py"))
    again = web_edition(copy / source.name)
    assert again == (out / f"{source.stem}.html").read_bytes()


def test_the_web_command_writes_the_page(tmp_path) -> None:
    source = next(p for p in EXAMPLES if p.stem == "water-quality-2023")
    result = CliRunner().invoke(main, ["web", str(source), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    doc = page(tmp_path / "water-quality-2023.html")
    assert doc.findtext(".//title").startswith("Progress report")


# Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "inline"), [("english", "de"), ("nl", "x-klingon")])
def test_a_language_that_is_no_language_code_is_refused(tmp_path, lang, inline) -> None:
    source = letter(tmp_path, lang=lang, inline_lang=inline)
    with pytest.raises(SourceError, match="is not a language code"):
        web_edition(source)
    result = CliRunner().invoke(main, ["web", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.INVALID_SOURCE
    line = 2 if lang == "english" else 10
    assert result.output.startswith(f"{source}:{line}: error: xml:lang=")
    assert not (tmp_path / "out").exists()
    lint = CliRunner().invoke(main, ["lint", str(source)])
    assert lint.exit_code == ExitCode.LINT and "is not a language code" in lint.output


def test_lint_refuses_an_alt_text_that_only_names_the_file(tmp_path) -> None:
    from briefpers.lint import lint_file

    (tmp_path / "sig.png").write_bytes(
        (Path(__file__).parent / "corpus" / "signature.png").read_bytes()
    )
    body = (
        "<closing>Hoogachtend,</closing><signatories><signatory><function>De minister,"
        '</function><signature src="sig.png" alt="{alt}"/><name>A. Voorbeeld</name>'
        "</signatory></signatories>"
    )
    source = letter(tmp_path)
    text = source.read_text().replace("  </body>\n", "  </body>\n" + body.format(alt="sig.png"))
    source.write_text(text)
    errors = [f.message for f in lint_file(source) if f.severity == "error"]
    assert errors == [
        "the alt text of <signature> names its file ('sig.png'): say what the image shows"
    ]
    source.write_text(text.replace('alt="sig.png"', 'alt="Handtekening van A. Voorbeeld"'))
    assert not [f for f in lint_file(source) if f.severity == "error"]
    # No alt text at all is not a valid letter, for the web edition as for the PDF.
    source.write_text(text.replace(' alt="sig.png"', ""))
    with pytest.raises(SourceError, match="alt"):
        web_edition(source)


def test_a_screen_stylesheet_that_loads_a_file_is_refused(tmp_path) -> None:
    theme = theme_copy(tmp_path / "web-theme", "webtheme")
    (theme / "screen.css").write_text('body { background: url("https://example.org/x.png"); }')
    source = letter(tmp_path / "in")
    with pytest.raises(ThemeError, match="must load nothing"):
        web_edition(source, theme=str(theme))


def test_a_template_that_drops_an_images_alt_text_is_refused(tmp_path) -> None:
    theme = theme_copy(tmp_path / "web-theme", "noalt")
    (theme / "templates").mkdir()
    (theme / "templates" / "letter.html.j2").write_text(
        '{% extends "base/letter.html.j2" %}{% block running %}'
        '<div class="running-head"></div>{% endblock %}'
        "{% block letterhead %}<header>{% if logo_url %}"
        '<img src="{{ logo_url }}">{% endif %}</header>{% endblock %}',
        encoding="utf-8",
    )
    source = letter(tmp_path / "in")
    with pytest.raises(ThemeError, match="without alternative text"):
        web_edition(source, theme=str(theme))
