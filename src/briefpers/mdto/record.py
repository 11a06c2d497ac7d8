"""The letter and its files → MDTO 1.0.1 records (XML bytes, deterministic).

MDTO holds one object per record, so a letter gets an `informatieobject`
record (`<stem>.mdto.xml`) and each of its files a `bestand` record
(`<file>.bestand.mdto.xml`, e.g. `letter.pdf.bestand.mdto.xml`), which refer
to each other (heeftRepresentatie / isRepresentatieVan). Element order follows
the schema (`schema/MDTO-XML1.0.1.xsd`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from briefpers import language
from briefpers.errors import RenderError, SourceError
from briefpers.mdto.facts import PRONOM, FileFacts
from briefpers.mdto.settings import APPRAISALS, DURATION, MdtoSettings
from briefpers.source.model import XML_LANG, Letter

NS = "https://www.nationaalarchief.nl/mdto"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"

# The MDTO lists the terms come from, and our own where MDTO has none.
APPRAISAL_LIST = "Begrippenlijst Waarderingen MDTO"
AGGREGATION_LIST = "Begrippenlijst Aggregatieniveaus MDTO"
EVENT_LIST = "Begrippenlijst Eventtypen MDTO"
RELATION_LIST = "Begrippenlijst Relatietypen Informatieobject MDTO"
CHECKSUM_LIST = "Begrippenlijst ChecksumAlgoritme MDTO"
COVERAGE_LIST = "briefpers: typen dekking in tijd"
COVERAGE_TYPE = "Dagtekening"  # the date a letter bears
# Where identifiers come from, besides the office's own reference.
KAMERSTUK_SOURCE = "Kamerstukken (officielebekendmakingen.nl)"
FILE_SOURCE = "Bestandsnaam (briefpers)"


@dataclass(frozen=True)
class Decisions:
    """The archivist's values in force for one letter: its `<archive>` over the settings."""

    appraisal: str
    retention: str | None
    restriction: str


def decisions(letter: Letter, settings: MdtoSettings) -> Decisions:
    """The letter's own `<archive>` values, else the settings'; an error where a
    required value is missing (appraisal V needs a retention period)."""
    el = _root(letter).find("archive")
    own = el.attrib if el is not None else {}
    result = Decisions(
        appraisal=own.get("appraisal", settings.appraisal),
        retention=own.get("retention", settings.retention),
        restriction=own.get("restriction", settings.restriction),
    )
    if result.appraisal == "V" and result.retention is None:
        raise SourceError(
            "MDTO bewaartermijn: appraisal V (Tijdelijk te bewaren) needs a retention "
            'period: set <archive retention="P10Y"> in the letter, or retention in the '
            "[mdto] settings (--mdto-retention P10Y)",
            path=letter.path,
            line=el.sourceline if el is not None else None,
        )
    if result.retention is not None and not DURATION.fullmatch(result.retention):
        raise SourceError(
            f"<archive retention={result.retention!r}>: not an ISO 8601 duration such as P10Y",
            path=letter.path,
            line=el.sourceline if el is not None else None,
        )
    return result


def check_letter(letter: Letter) -> None:
    """SourceError if the letter lacks what every record needs (before anything is built)."""
    root = _root(letter)
    if not language.is_language_code(letter.lang):
        raise SourceError(
            f"xml:lang={letter.lang!r} is not a language code (ISO 639, e.g. nl, en, en-GB): "
            "the MDTO record's taal needs one",
            path=letter.path,
            line=root.sourceline,
        )
    if not _identifications(letter, MdtoSettings()):
        raise SourceError(
            "MDTO identificatie: the letter has no reference of its own (<references><ours>) "
            'and no Kamerstuk number (<parliamentary dossier="…" number="…">): add one of them',
            path=letter.path,
            line=root.sourceline,
        )


def informatieobject(letter: Letter, files: Sequence[FileFacts], settings: MdtoSettings) -> bytes:
    """The letter's `informatieobject` record."""
    check_letter(letter)
    chosen = decisions(letter, settings)
    root, obj = _document("informatieobject")
    for kenmerk, bron in _identifications(letter, settings):
        _identificatie(obj, kenmerk, bron)
    _text(obj, "naam", subject(letter))
    _begrip(obj, "aggregatieniveau", "Archiefstuk", AGGREGATION_LIST)
    parl = letter.parliamentary
    if parl is not None and parl.document_title is not None:
        _text(obj, "omschrijving", _plain(parl.document_title))
    coverage = _sub(obj, "dekkingInTijd")
    _begrip(coverage, "dekkingInTijdType", COVERAGE_TYPE, COVERAGE_LIST)
    _text(coverage, "dekkingInTijdBegindatum", letter.date.isoformat())
    for tag in _languages(letter):
        _text(obj, "taal", tag)
    if letter.reissue is not None:
        event = _sub(obj, "event")
        _begrip(event, "eventType", "Publicatie", EVENT_LIST)
        _text(event, "eventTijd", letter.reissue.date.isoformat())
        said = f"Heruitgave van {letter.reissue.identifier}"
        if letter.reissue.reason:
            said += f"; reden: {letter.reissue.reason}"
        _text(event, "eventResultaat", said)
    _begrip(obj, "waardering", APPRAISALS[chosen.appraisal], APPRAISAL_LIST, chosen.appraisal)
    if chosen.retention is not None and chosen.appraisal != "B":
        term = _sub(obj, "bewaartermijn")
        _text(term, "termijnLooptijd", chosen.retention)
    if parl is not None:
        title = _plain(parl.dossier_title) if parl.dossier_title is not None else ""
        _verwijzing(
            obj,
            "isOnderdeelVan",
            title or f"Kamerstukdossier {parl.dossier}",
            (parl.dossier, KAMERSTUK_SOURCE),
        )
    for facts in files:
        _verwijzing(obj, "heeftRepresentatie", facts.name, (facts.name, FILE_SOURCE))
    if letter.reissue is not None:
        related = _sub(obj, "gerelateerdInformatieobject")
        _verwijzing(related, "gerelateerdInformatieobjectVerwijzing", letter.reissue.identifier)
        relation = "Is een versie van"  # an edition of the original (dcterms:isVersionOf)
        _begrip(related, "gerelateerdInformatieobjectTypeRelatie", relation, RELATION_LIST)
    creator_id = (settings.creator_id, settings.creator_id_source) if settings.creator_id else None
    _verwijzing(obj, "archiefvormer", creator(letter, settings), creator_id)
    restriction = _sub(obj, "beperkingGebruik")
    _begrip(restriction, "beperkingGebruikType", chosen.restriction, settings.restriction_list)
    if settings.restriction_note:
        _text(restriction, "beperkingGebruikNadereBeschrijving", settings.restriction_note)
    return _bytes(root)


def bestand(letter: Letter, facts: FileFacts, settings: MdtoSettings) -> bytes:
    """A file's `bestand` record, referring to the letter's `informatieobject`."""
    root, obj = _document("bestand")
    _identificatie(obj, facts.name, FILE_SOURCE)
    _text(obj, "naam", facts.name)
    _text(obj, "omvang", str(facts.size))
    _begrip(obj, "bestandsformaat", facts.format_label, PRONOM, facts.puid)
    checksum = _sub(obj, "checksum")
    _begrip(checksum, "checksumAlgoritme", "SHA-256", CHECKSUM_LIST)
    _text(checksum, "checksumWaarde", facts.sha256)
    _text(checksum, "checksumDatum", facts.checksum_date)
    kenmerk, bron = _identifications(letter, settings)[0]
    _verwijzing(obj, "isRepresentatieVan", subject(letter), (kenmerk, bron))
    return _bytes(root)


def refresh_bestand(record: bytes, facts: FileFacts) -> bytes:
    """A `bestand` record brought up to date with its file's new facts (after the PDF
    was signed: an incremental update, so size and checksum change); the rest stays."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    try:
        root = etree.fromstring(record, parser)
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"the MDTO record of {facts.name} cannot be read: {exc}") from None
    values = {
        "omvang": str(facts.size),
        "bestandsformaat/begripLabel": facts.format_label,
        "bestandsformaat/begripCode": facts.puid,
        "checksum/checksumWaarde": facts.sha256,
        "checksum/checksumDatum": facts.checksum_date,
    }
    for path, value in values.items():
        el = root.find("/".join(f"{{{NS}}}{part}" for part in ["bestand", *path.split("/")]))
        if el is None:
            raise RenderError(f"the MDTO record of {facts.name} has no {path}")
        el.text = value
    return _bytes(root)


def subject(letter: Letter) -> str:
    """The letter's name: its subject without footnotes."""
    return _plain(letter.subject)


def creator(letter: Letter, settings: MdtoSettings) -> str:
    """The archive creator: the settings' name, else the sending organisation."""
    return settings.creator or " ".join(" ".join(letter.sender.organisation).split())


def _identifications(letter: Letter, settings: MdtoSettings) -> list[tuple[str, str]]:
    """(kenmerk, bron) pairs: our reference, then the Kamerstuk (kst-28676-350)."""
    found = []
    if letter.our_reference:
        found.append((letter.our_reference, settings.reference_source or creator(letter, settings)))
    parl = letter.parliamentary
    if parl is not None and parl.number:
        found.append((f"kst-{parl.dossier}-{parl.number}", KAMERSTUK_SOURCE))
    return found


def _languages(letter: Letter) -> list[str]:
    """The letter's language, then any other language an annex is written in."""
    tags = [letter.lang]
    for annex in letter.annexes:
        tag = annex.get(XML_LANG)
        if tag and tag not in tags and language.is_language_code(tag):
            tags.append(tag)
    return tags


def _root(letter: Letter) -> etree._Element:
    return letter.body.getroottree().getroot()


def _plain(el: etree._Element) -> str:
    """An element's text without its notes, white space collapsed."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("note", "noteref"):
            parts.append(_plain(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _document(kind: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{NS}}}MDTO", nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    return root, _sub(root, kind)


def _sub(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS}}}{tag}")


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = _sub(parent, tag)
    el.text = text
    return el


def _identificatie(parent: etree._Element, kenmerk: str, bron: str, tag="identificatie") -> None:
    el = _sub(parent, tag)
    _text(el, "identificatieKenmerk", kenmerk)
    _text(el, "identificatieBron", bron)


def _verwijzing(
    parent: etree._Element, tag: str, name: str, ident: tuple[str, str] | None = None
) -> None:
    el = _sub(parent, tag)
    _text(el, "verwijzingNaam", name)
    if ident is not None:
        _identificatie(el, *ident, tag="verwijzingIdentificatie")


def _begrip(
    parent: etree._Element, tag: str, label: str, begrippenlijst: str, code: str | None = None
) -> None:
    el = _sub(parent, tag)
    _text(el, "begripLabel", label)
    if code is not None:
        _text(el, "begripCode", code)
    _verwijzing(el, "begripBegrippenlijst", begrippenlijst)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
