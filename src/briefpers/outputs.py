"""The names of the files a build writes for a letter, defined once (no imports:
the batch uses them to plan without loading any stage).

    x.pdf                    the archival PDF
    x.html                   the web edition (`--format pdf,html`)
    x.mdto.xml               the letter's MDTO informatieobject (`--mdto`)
    x.pdf.bestand.mdto.xml   the PDF's MDTO bestand
    x.html.bestand.mdto.xml  the web edition's MDTO bestand (both options)
"""

from __future__ import annotations

from pathlib import PurePath

RECORD_SUFFIX = ".mdto.xml"
FILE_RECORD_SUFFIX = ".bestand.mdto.xml"


def page_name(stem: str) -> str:
    """The web edition beside its PDF: "x" → "x.html"."""
    return stem + ".html"


def record_name(stem: str) -> str:
    """The letter's MDTO record: "x" → "x.mdto.xml"."""
    return stem + RECORD_SUFFIX


def file_record_name(file_name: str) -> str:
    """A file's MDTO record: "x.pdf" → "x.pdf.bestand.mdto.xml"."""
    return file_name + FILE_RECORD_SUFFIX


def beside(pdf: PurePath) -> list[str]:
    """Every name a file written beside this PDF may have."""
    stem, page = pdf.stem, page_name(pdf.stem)
    return [page, record_name(stem), file_record_name(pdf.name), file_record_name(page)]
