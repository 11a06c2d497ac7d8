"""Read a letter source safely, validate it against the schema, build the model.

Safety first: no DTDs (so no entity expansion and no external entities), no
network, a size limit. Every error names file, line and column.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.source.model import (
    XML_LANG,
    Letter,
    Parliamentary,
    Reissue,
    Sender,
    Signatory,
)

MAX_SOURCE_BYTES = 10 * 1024 * 1024  # a letter is kilobytes; this is generous


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_pis=True,
    )


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The letter schema, parsed once per process."""
    folder = resources.files("briefpers.source") / "schema"
    with resources.as_file(folder) as path:
        doc = etree.parse(str(Path(path) / "letter.xsd"), _parser())
        return etree.XMLSchema(doc)


def schema_path() -> Path:
    """Where the shipped schema lives (for users and editors)."""
    return Path(str(resources.files("briefpers.source") / "schema" / "letter.xsd"))


def parse(data: bytes, path: Path | str) -> etree._ElementTree:
    """Parse bytes into a tree, refusing DTDs and anything oversized."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(
            f"source is {len(data)} bytes, more than the limit of {MAX_SOURCE_BYTES}",
            path=path,
        )
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise SourceError(
            f"not well-formed XML: {_clean(exc.msg)}", path=path, line=line, column=column
        ) from None
    except ValueError as exc:  # e.g. an unknown encoding declaration
        raise SourceError(f"cannot read XML: {exc}", path=path) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SourceError(
            "a DOCTYPE is not allowed in a letter source (entities are not expanded)",
            path=path,
            line=1,
        )
    return tree


def validate(tree: etree._ElementTree, path: Path | str) -> None:
    """Validate against the schema; the first error becomes a SourceError."""
    xsd = schema()
    if xsd.validate(tree):
        return
    err = xsd.error_log.filter_from_errors()[0]
    raise SourceError(
        f"not a valid letter: {_clean(err.message)}",
        path=path,
        line=err.line or None,
        column=err.column or None,
    )


def _clean(message: str) -> str:
    """libxml2 messages name elements with `{}` prefixes and end oddly."""
    return message.replace("{http://www.w3.org/XML/1998/namespace}", "xml:").strip().rstrip(".")


def load(path: Path | str, data: bytes | None = None) -> Letter:
    """Read, validate and model one letter source."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError("no such file", path=path) from None
        except IsADirectoryError:
            raise SourceError("is a folder, not a letter source", path=path) from None
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror}", path=path) from None
    tree = parse(data, path)
    validate(tree, path)
    return to_model(tree.getroot(), path, data)


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return " ".join("".join(el.itertext()).split())


def _lines(el: etree._Element | None) -> tuple[str, ...]:
    if el is None:
        return ()
    return tuple(_text(line) or "" for line in el.findall("line"))


def to_model(root: etree._Element, path: Path, data: bytes) -> Letter:
    """Build the model from a validated tree."""
    s = root.find("sender")
    sender = Sender(
        organisation=_lines(s.find("organisation")),
        unit=_text(s.find("unit")),
        visiting_address=_lines(s.find("visiting-address")),
        postal_address=_lines(s.find("postal-address")),
        phone=_text(s.find("phone")),
        email=_text(s.find("email")),
        website=_text(s.find("website")),
        return_address=_text(s.find("return-address")),
    )
    refs = root.find("references")
    parl = root.find("parliamentary")
    att = root.find("attachments")
    reissue = root.find("reissue-of")
    signatories = []
    for sig in root.iterfind("signatories/signatory"):
        image = sig.find("signature")
        signatories.append(
            Signatory(
                function=_text(sig.find("function")) or "",
                name=_text(sig.find("name")) or "",
                signature_src=image.get("src") if image is not None else None,
                signature_alt=image.get("alt") if image is not None else None,
            )
        )
    count = att.get("count") if att is not None else None
    return Letter(
        path=path,
        source=data,
        lang=root.get(XML_LANG),
        theme=root.get("theme"),
        sender=sender,
        recipient=_lines(root.find("recipient")),
        date=dt.date.fromisoformat(root.findtext("date").strip()),
        subject=root.find("subject"),
        our_reference=_text(refs.find("ours")) if refs is not None else None,
        your_reference=_text(refs.find("yours")) if refs is not None else None,
        parliamentary=(
            Parliamentary(dossier=parl.get("dossier"), number=parl.get("number"))
            if parl is not None
            else None
        ),
        attachment_count=int(count) if count is not None else None,
        attachment_titles=tuple(_text(a) or "" for a in att.findall("attachment"))
        if att is not None
        else (),
        reissue_of=(
            Reissue(reissue.get("identifier"), dt.date.fromisoformat(reissue.get("date")))
            if reissue is not None
            else None
        ),
        body=root.find("body"),
        closing=root.find("closing"),
        signatories=tuple(signatories),
        annexes=tuple(root.findall("annex")),
    )
