"""Measure a built PDF: text runs with their baselines, sizes and fonts.

Positions are in mm from the top-left corner, as in HOUSE_STYLE.md. The
baseline is the text matrix's y (pdfplumber's `top`/`bottom` are the glyph
box, which depends on the font's ascent and descent, not the baseline).
"""

from __future__ import annotations

import io
import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from briefpers.pipeline import build_letter
from briefpers.themes import data_root

MM = 72 / 25.4  # points per mm
GAP = 2.5  # mm: a wider gap between glyphs on one baseline starts a new run


@dataclass(frozen=True)
class Run:
    """Glyphs on one baseline, in one size, without a wide gap between them."""

    page: int
    text: str
    baseline: float  # mm from the top edge
    x0: float  # mm from the left edge
    x1: float
    size: float  # pt
    fonts: frozenset[str]
    bold_text: str = ""  # the run's characters set in a bold face

    @property
    def bold(self) -> bool:
        return all("Bold" in f for f in self.fonts)

    def __str__(self) -> str:
        where = f"p{self.page} b={self.baseline:.2f} x={self.x0:.2f}-{self.x1:.2f}"
        return f"{where} {self.size}pt {self.text!r}"


@dataclass(frozen=True)
class Box:
    """A filled rectangle or an image, in mm."""

    x0: float
    x1: float
    top: float
    bottom: float


class Measured:
    """The runs and boxes of every page of one PDF."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            self.sizes = [(p.width / MM, p.height / MM) for p in doc.pages]
            self.pages = [_runs(p, n) for n, p in enumerate(doc.pages, 1)]
            self.chars = [
                [(c["text"], c["x0"] / MM, c["x1"] / MM, c["size"]) for c in p.chars]
                for p in doc.pages
            ]
            self.boxes = [
                [Box(o["x0"] / MM, o["x1"] / MM, o["top"] / MM, o["bottom"] / MM) for o in objs]
                for objs in ([*p.rects, *p.images] for p in doc.pages)
            ]

    def find(self, text: str, page: int | None = None, **where) -> Run:
        """The first run containing `text` (on `page`, with matching attributes)."""
        found = self.find_all(text, page, **where)
        if not found:
            listing = "\n".join(map(str, self.runs(page)))
            raise AssertionError(f"no run with {text!r} on page {page}:\n{listing}")
        return found[0]

    def find_all(self, text: str, page: int | None = None, **where) -> list[Run]:
        return [
            r
            for r in self.runs(page)
            if text in r.text and all(abs(getattr(r, k) - v) < 0.01 for k, v in where.items())
        ]

    def runs(self, page: int | None = None) -> list[Run]:
        if page is not None:
            return self.pages[page - 1]
        return [r for p in self.pages for r in p]

    def text(self, page: int) -> str:
        return "\n".join(r.text for r in self.runs(page))


def _runs(page, number: int) -> list[Run]:
    lines: dict[tuple[float, float], list[dict]] = {}
    for c in page.chars:
        key = (round(page.height - c["matrix"][5], 1), round(c["size"], 2))
        lines.setdefault(key, []).append(c)
    runs = []
    for (base, size), chars in lines.items():
        chars.sort(key=lambda c: c["x0"])
        group: list[dict] = []
        for c in chars:
            if group and (c["x0"] - group[-1]["x1"]) / MM > GAP:
                runs.append(_run(number, base, size, group))
                group = []
            group.append(c)
        runs.append(_run(number, base, size, group))
    return sorted(runs, key=lambda r: (r.baseline, r.x0))


def _run(page: int, base: float, size: float, chars: list[dict]) -> Run:
    visible = [c for c in chars if c["text"].strip()] or chars
    return Run(
        page=page,
        text="".join(c["text"] for c in chars),
        baseline=base / MM,
        x0=visible[0]["x0"] / MM,
        x1=max(c["x1"] for c in visible) / MM,
        size=size,
        fonts=frozenset(c["fontname"].split("+")[-1] for c in visible),
        bold_text="".join(c["text"] for c in chars if "Bold" in c["fontname"]),
    )


@contextmanager
def no_user_config() -> Iterator[None]:
    """Build with the themes as shipped, whatever the developer configured."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRIEFPERS_CONFIG", "")
        yield


def build(source: Path, theme: str | None = None) -> Measured:
    with no_user_config():
        return Measured(build_letter(source, theme=theme).pdf)


HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="{lang}"{theme}>
  <sender>
    <organisation><line>Ministerie van</line><line>Buitenlandse Zaken</line></organisation>
    <unit>Directie Veiligheidsbeleid</unit>
    <postal-address><line>Postbus 20061</line><line>2500 EB  Den Haag</line></postal-address>
    <return-address>Postbus 20061 2500 EB  Den Haag</return-address>
  </sender>
  <recipient><line>De Voorzitter van de Tweede Kamer</line><line>Postbus 20018</line></recipient>
  <date>2022-01-13</date>
  <subject>Proefbrief</subject>
  <references><ours>BZ-TEST-1</ours></references>
  <body>
    <salutation>Geachte voorzitter,</salutation>
"""


SIGNATORY = "<signatory><function>De minister,</function><name>A. Proef</name></signatory>"


def letter_xml(
    body: str,
    *,
    closing: str | None = None,
    signatories: str = SIGNATORY,
    annexes: str = "",
    lang: str = "nl",
    theme: str | None = None,
) -> str:
    """A valid letter source around `body` (the content of <body>)."""
    attr = f' theme="{theme}"' if theme else ""
    tail = f"<closing>{closing}</closing>" if closing else ""
    tail += f"<signatories>{signatories}</signatories>{annexes}"
    head = HEAD.format(lang=lang, theme=attr)
    return head + textwrap.indent(body, "    ") + "\n  </body>\n  " + tail + "\n</letter>\n"


def build_xml(xml: str, folder: Path, name: str = "letter", theme: str | None = None) -> Measured:
    source = folder / f"{name}.xml"
    source.write_text(xml, encoding="utf-8")
    return build(source, theme=theme)


def lines(prefix: str, count: int) -> str:
    """A paragraph of `count` short lines, each starting with `prefix` and its number."""
    return "<p>" + "<br/>".join(f"{prefix} {n}" for n in range(1, count + 1)) + "</p>"


def copy_theme(name: str, dest: Path, extra_css: str = "") -> Path:
    """A copy of a built-in theme in `dest` (it keeps working anywhere: its
    fonts are bundled ones), with `extra_css` appended to its stylesheet."""
    src = data_root() / "styles" / name
    shutil.copytree(src, dest)
    css = dest / "letter.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n" + extra_css, encoding="utf-8")
    return dest
