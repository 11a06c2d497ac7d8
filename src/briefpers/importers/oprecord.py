"""The metadata record of an official publication, and where to find it.

Publication XML as it comes from officielebekendmakingen.nl often carries no
metadata of its own, only a reference to its record
(`<meta name="OVERHEIDop.externMetadataRecord" content="…/kst-…/metadata.xml"/>`).
The record is a separate file in one of two shapes:

    <metadata_gegevens>
      <metadata name="DC.identifier" scheme="OVERHEIDop.ParlID" content="kst-34851-4"/>
      <metadata name="OVERHEIDop.dossiernummer" scheme="" content="34851"/> …

or the OWMS form (`owms-metadata`, namespaced `dcterms:identifier`,
`overheidop:dossiernummer`, …), which is read into the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.limits import Limits
from briefpers.source.load import parse, read_source

NAMESPACES = {
    "http://purl.org/dc/terms/": "DCTERMS",
    "http://standaarden.overheid.nl/owms/terms/": "OVERHEID",
    "http://standaarden.overheid.nl/oep/meta/": "OVERHEIDop",
}
# In `metadata_gegevens` these Dublin Core terms are written DC.x, the rest DCTERMS.x.
DC_TERMS = frozenset({"title", "identifier", "creator", "type", "subject", "description"})
RECORD_ROOTS = frozenset({"metadata_gegevens", "owms-metadata"})
RECORD_URL = re.compile(r"/([A-Za-z][\w.-]*)/metadata\.xml\s*$")


@dataclass
class Record:
    """name → [(scheme, content)] in document order; `path` says where it came from."""

    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    path: str | None = None

    def add(self, name: str, scheme: str, content: str) -> None:
        content = " ".join(content.split())
        if name and content:
            self.values.setdefault(name, []).append((scheme, content))

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0][1] if found else None

    def all(self, name: str) -> list[str]:
        return [content for _, content in self.values.get(name, [])]

    def scheme(self, name: str) -> str:
        found = self.values.get(name)
        return found[0][0] if found else ""


def inline_record(root: etree._Element) -> Record:
    """The `metadata/meta` elements inside a publication."""
    record = Record()
    for meta in root.iterfind("metadata/meta"):
        record.add(meta.get("name", ""), meta.get("scheme", ""), meta.get("content", ""))
    return record


def record_identifier(document: Record) -> str | None:
    """The identifier named by the document's reference to its record, if any."""
    url = document.get("OVERHEIDop.externMetadataRecord") or ""
    match = RECORD_URL.search(url)
    return match.group(1) if match else None


def read_record(path: Path, limits: Limits) -> Record:
    """Read a metadata record file (either shape); anything else is a SourceError."""
    data = read_source(path, limits)
    root = parse(data, path, limits).getroot()
    name = etree.QName(root).localname
    if name not in RECORD_ROOTS:
        raise SourceError(
            f"not a metadata record: the root is <{name}>, not <metadata_gegevens> or "
            "<owms-metadata>",
            path=path,
            line=root.sourceline,
        )
    record = Record(path=str(path))
    if name == "metadata_gegevens":
        for meta in root.iter("metadata"):  # nested records (an address) count too
            record.add(meta.get("name", ""), meta.get("scheme", ""), meta.get("content", ""))
        return record
    for el in root.iter(etree.Element):
        if len(el) or el is root:
            continue
        qname = etree.QName(el)
        prefix = NAMESPACES.get(qname.namespace or "")
        if prefix is None:
            continue
        local = qname.localname
        if prefix == "DCTERMS" and local in DC_TERMS:
            prefix = "DC"
        record.add(f"{prefix}.{local}", el.get("scheme", ""), el.text or "")
    return record


def find_record(document: Path) -> Path | None:
    """The metadata record beside a publication file, under the usual names.

    Tried in order, for `kst-12345-67.xml`: `kst-12345-67/metadata.xml` (the
    download site's layout), `kst-12345-67.metadata.xml`,
    `kst-12345-67_metadata.xml`, `kst-12345-67-metadata.xml`, `../metadata/metadata.xml`
    when the file is in a folder `xml` (the repository's layout), and
    `metadata.xml` in the same folder.
    """
    folder, stem = document.parent, document.stem
    candidates = [
        folder / stem / "metadata.xml",
        folder / f"{stem}.metadata.xml",
        folder / f"{stem}_metadata.xml",
        folder / f"{stem}-metadata.xml",
    ]
    if folder.name == "xml":
        candidates.append(folder.parent / "metadata" / "metadata.xml")
    if document.name != "metadata.xml":
        candidates.append(folder / "metadata.xml")
    return next((c for c in candidates if c.is_file()), None)
