"""What the archive tests share: every example and corpus letter built once with
`build --mdto --format pdf,html`, the MDTO schema, and small letters to vary."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from briefpers.cli import main
from briefpers.mdto import SCHEMA

from .conftest import CORPUS, EXAMPLES

NS = {"m": "https://www.nationaalarchief.nl/mdto"}
_built: dict[str, Path] = {}

LETTER = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="{lang}">
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation></sender>
  <recipient><line>De Voorzitter</line></recipient>
  <date>2020-06-16</date>
  <subject>Een onderwerp<note>Met een noot in het onderwerp.</note></subject>
  {references}
  {after_references}
  <body>
    <p>Een alinea<note>Een noot.</note> met <span xml:lang="{inline_lang}">ein Wort</span>.</p>
  </body>
</letter>
"""


def letter(
    folder: Path,
    *,
    lang: str = "nl",
    inline_lang: str = "de",
    references: str = "<references><ours>VB-2020-1</ours></references>",
    after_references: str = "",
    name: str = "letter.xml",
) -> Path:
    """A small letter; `after_references` goes between the references and the body
    (parliamentary, reissue, archive)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = LETTER.format(
        lang=lang,
        inline_lang=inline_lang,
        references=references,
        after_references=after_references,
    )
    path.write_text(text, encoding="utf-8")
    return path


def archive_build(tmp_path_factory) -> Path:
    """The folder with every example and corpus letter built with --mdto --format
    pdf,html (once per test session, whichever test module asks first)."""
    if "out" not in _built:
        out = tmp_path_factory.mktemp("archive")
        sources = [str(p) for p in EXAMPLES + CORPUS]
        args = ["build", *sources, "-o", str(out), "--mdto", "--format", "pdf,html", "-j", "1"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        _built["out"] = out
    return _built["out"]


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def text(doc: etree._Element, path: str) -> list[str]:
    return [el.text for el in doc.xpath(path, namespaces=NS)]
