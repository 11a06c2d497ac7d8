"""The XMP packet, written whole and byte-stable from the letter's data.

Every property that PDF/A does not predefine (pdfuaid, our own letter fields)
is declared in a `pdfaExtension:schemas` entry (PDF/A-2/3 rule 6.6.2.3.1).
PDF 2.0 profiles add the revision years (`pdfaid:rev`, `pdfuaid:rev`) and
the PDF Declarations a WTPDF file makes (`pdfd:declarations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from briefpers.xmp_names import NS

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Our own properties: name → (XMP value type, description).
LETTER_PROPERTIES = {
    "reference": ("Text", "The sender's reference of the letter"),
    "yourReference": ("Text", "The recipient's reference the letter answers"),
    "dossier": ("Text", "Parliamentary dossier number"),
    "documentNumber": ("Text", "Parliamentary document number within the dossier"),
    "theme": ("Text", "The briefpers theme the letter was set in"),
    "profile": ("Text", "The briefpers output profile"),
    "sourceSha256": ("Text", "SHA-256 of the embedded XML source"),
    "originalIdentifier": ("Text", "Identifier of the letter this one reissues"),
    "originalDate": ("Date", "Date of the letter this one reissues"),
    "reissueDate": ("Date", "Date on which the letter was reissued"),
    "reissueReason": ("Text", "Why the letter was reissued"),
    "reissuedWith": ("Text", "The briefpers version that reissued the letter"),
}


@dataclass
class XmpData:
    title: str
    lang: str
    creators: list[str]
    description: str
    date: str  # ISO date of the letter
    create_date: str  # ISO date-time
    modify_date: str
    producer: str
    creator_tool: str
    pdfa_part: int
    pdfa_conformance: str
    pdfua_part: int = 1
    pdfa_rev: int | None = None  # PDF/A-4: the year of the part (2020)
    pdfua_rev: int | None = None  # PDF/UA-2: the year of the part (2024)
    declarations: list[str] = field(default_factory=list)  # pdfd:conformsTo URIs
    identifier: str | None = None
    publisher: str | None = None
    keywords: list[str] = field(default_factory=list)
    letter: dict[str, str] = field(default_factory=dict)  # bp:* values
    derived_from: str | None = None  # the identifier of the document this one reissues


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _container(parent: etree._Element, prop: str, kind: str, items, lang: str | None = None):
    el = etree.SubElement(parent, prop)
    box = etree.SubElement(el, _q("rdf", kind))
    for item in items:
        li = etree.SubElement(box, _q("rdf", "li"))
        if lang is not None:
            li.set(XML_LANG, lang)
        li.text = item
    return el


def _simple(parent: etree._Element, prop: str, value: str | int) -> None:
    etree.SubElement(parent, prop).text = str(value)


def _extension_schemas(parent: etree._Element, data: XmpData) -> None:
    """Declare pdfuaid and bp for PDF/A (the validator reads these)."""
    schemas = etree.SubElement(parent, _q("pdfaExtension", "schemas"))
    bag = etree.SubElement(schemas, _q("rdf", "Bag"))
    ua = {"part": ("Integer", "Part of PDF/UA standard")}
    if data.pdfua_rev:
        ua["rev"] = ("Integer", "Year of the PDF/UA part")
    declared = [
        ("PDF/UA identification schema", NS["pdfuaid"], "pdfuaid", ua),
        ("briefpers letter schema", NS["bp"], "bp", LETTER_PROPERTIES),
    ]
    for title, uri, prefix, props in declared:
        li = etree.SubElement(bag, _q("rdf", "li"), {_q("rdf", "parseType"): "Resource"})
        _simple(li, _q("pdfaSchema", "schema"), title)
        _simple(li, _q("pdfaSchema", "namespaceURI"), uri)
        _simple(li, _q("pdfaSchema", "prefix"), prefix)
        prop_el = etree.SubElement(li, _q("pdfaSchema", "property"))
        seq = etree.SubElement(prop_el, _q("rdf", "Seq"))
        for name, (value_type, description) in props.items():
            p = etree.SubElement(seq, _q("rdf", "li"), {_q("rdf", "parseType"): "Resource"})
            _simple(p, _q("pdfaProperty", "name"), name)
            _simple(p, _q("pdfaProperty", "valueType"), value_type)
            _simple(p, _q("pdfaProperty", "category"), "internal")
            _simple(p, _q("pdfaProperty", "description"), description)


def build_xmp(data: XmpData) -> bytes:
    """The complete XMP packet (UTF-8, with padding for in-place editing)."""
    root = etree.Element(_q("x", "xmpmeta"), nsmap={"x": NS["x"]})
    rdf = etree.SubElement(root, _q("rdf", "RDF"), nsmap={"rdf": NS["rdf"]})

    def description(*prefixes: str) -> etree._Element:
        return etree.SubElement(
            rdf,
            _q("rdf", "Description"),
            {_q("rdf", "about"): ""},
            nsmap={p: NS[p] for p in prefixes},
        )

    ids = description("pdfaid", "pdfuaid")
    _simple(ids, _q("pdfaid", "part"), data.pdfa_part)
    _simple(ids, _q("pdfaid", "conformance"), data.pdfa_conformance)
    if data.pdfa_rev:
        _simple(ids, _q("pdfaid", "rev"), data.pdfa_rev)
    _simple(ids, _q("pdfuaid", "part"), data.pdfua_part)
    if data.pdfua_rev:
        _simple(ids, _q("pdfuaid", "rev"), data.pdfua_rev)

    if data.declarations:
        declarations = etree.SubElement(description("pdfd"), _q("pdfd", "declarations"))
        bag = etree.SubElement(declarations, _q("rdf", "Bag"))
        for uri in data.declarations:
            li = etree.SubElement(bag, _q("rdf", "li"), {_q("rdf", "parseType"): "Resource"})
            _simple(li, _q("pdfd", "conformsTo"), uri)

    dc = description("dc")
    _container(dc, _q("dc", "title"), "Alt", [data.title], lang="x-default")
    _container(dc, _q("dc", "creator"), "Seq", data.creators)
    _container(dc, _q("dc", "description"), "Alt", [data.description], lang="x-default")
    _container(dc, _q("dc", "date"), "Seq", [data.date])
    _container(dc, _q("dc", "language"), "Bag", [data.lang])
    _simple(dc, _q("dc", "format"), "application/pdf")
    if data.identifier:
        _simple(dc, _q("dc", "identifier"), data.identifier)
    if data.publisher:
        _container(dc, _q("dc", "publisher"), "Bag", [data.publisher])
    if data.keywords:
        _container(dc, _q("dc", "subject"), "Bag", data.keywords)

    xmp = description("xmp")
    _simple(xmp, _q("xmp", "CreateDate"), data.create_date)
    _simple(xmp, _q("xmp", "ModifyDate"), data.modify_date)
    _simple(xmp, _q("xmp", "MetadataDate"), data.modify_date)
    _simple(xmp, _q("xmp", "CreatorTool"), data.creator_tool)

    if data.derived_from:
        # Standard provenance (XMP Media Management, predefined for PDF/A):
        # a reference to the original, by its identifier.
        mm = description("xmpMM", "stRef")
        ref = etree.SubElement(mm, _q("xmpMM", "DerivedFrom"), {_q("rdf", "parseType"): "Resource"})
        _simple(ref, _q("stRef", "documentID"), data.derived_from)

    pdf = description("pdf")
    _simple(pdf, _q("pdf", "Producer"), data.producer)
    if data.keywords:
        _simple(pdf, _q("pdf", "Keywords"), ", ".join(data.keywords))

    if data.letter:
        bp = description("bp")
        for name in LETTER_PROPERTIES:  # a fixed order keeps bytes stable
            if data.letter.get(name):
                _simple(bp, _q("bp", name), data.letter[name])

    ext = description("pdfaExtension", "pdfaSchema", "pdfaProperty")
    _extension_schemas(ext, data)

    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    padding = (" " * 99 + "\n") * 20  # room for later edits without a rewrite
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'{body}{padding}<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")
