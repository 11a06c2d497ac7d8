"""PDF bytes from the typesetter → archival PDF bytes.

Declares PDF/A and PDF/UA (parts, conformance and, for PDF 2.0, revisions and
the WTPDF declarations, all from the profile) together, writes XMP (and, for
PDF 1.7 profiles, the Info dictionary) from the letter, embeds the XML source
and the files it references as associated files (PDF/A-3 and PDF/A-4f
profiles), repairs the tag tree (`briefpers.tagging`), and saves with a
content-derived /ID. Nothing here
reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Mapping

import pikepdf
from pikepdf import Dictionary, Name, String

from briefpers import __version__, tagging
from briefpers.archive.xmp import XmpData, build_xmp
from briefpers.errors import RenderError
from briefpers.images import mime_type
from briefpers.profiles import Profile
from briefpers.source import files as source_files
from briefpers.source.model import Letter


def made_on(letter: Letter) -> dt.datetime:
    """When the document was made: its reissue day, else the date it bears (midnight UTC)."""
    day = letter.reissue.date if letter.reissue else letter.date
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def build_date(letter: Letter, moment: dt.datetime | None) -> dt.datetime:
    """The moment the PDF is said to be written: SOURCE_DATE_EPOCH (`moment`)
    or, without it, when the document was made."""
    return moment if moment is not None else made_on(letter)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _pdf_date(moment: dt.datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def producer() -> str:
    import weasyprint

    versions = f"WeasyPrint {weasyprint.__version__}, pikepdf {pikepdf.__version__}"
    return f"briefpers {__version__} ({versions})"


def xmp_data(
    letter: Letter, profile: Profile, theme_name: str, moment: dt.datetime | None = None
) -> XmpData:
    # A reissue is made on its reissue date; the letter keeps the date it bears.
    created = made_on(letter)
    modified = max(created, build_date(letter, moment))
    keywords = [letter.parliamentary.label()] if letter.parliamentary else []
    bp = {
        "reference": letter.our_reference or "",
        "yourReference": letter.your_reference or "",
        "dossier": letter.parliamentary.dossier if letter.parliamentary else "",
        "documentNumber": (letter.parliamentary.number or "") if letter.parliamentary else "",
        "theme": theme_name,
        "profile": profile.name,
        "sourceSha256": hashlib.sha256(letter.source).hexdigest(),
    }
    if letter.reissue:
        bp.update(
            originalIdentifier=letter.reissue.identifier,
            originalDate=letter.date.isoformat(),
            reissueDate=letter.reissue.date.isoformat(),
            reissueReason=letter.reissue.reason or "",
            reissuedWith=f"briefpers {__version__}",
        )
    return XmpData(
        title=letter.subject_text,
        lang=letter.lang,
        creators=letter.authors,
        description=letter.subject_text,
        date=letter.date.isoformat(),
        create_date=_iso(created),
        modify_date=_iso(modified),
        producer=producer(),
        creator_tool=f"briefpers {__version__}",
        pdfa_part=profile.pdfa_part,
        pdfa_conformance=profile.pdfa_conformance,
        pdfua_part=profile.pdfua_part,
        pdfa_rev=profile.pdfa_rev,
        pdfua_rev=profile.pdfua_rev,
        declarations=list(profile.declarations),
        identifier=letter.identifier,
        publisher=" ".join(letter.sender.organisation),
        keywords=keywords,
        letter=bp,
        derived_from=letter.reissue.identifier if letter.reissue else None,
    )


def _set_info(pdf: pikepdf.Pdf, data: XmpData) -> None:
    """The Info dictionary, equivalent to the XMP (PDF/A 6.6.3)."""
    info = Dictionary(
        Title=String(data.title),
        Author=String(", ".join(data.creators)),
        Subject=String(data.description),
        Creator=String(data.creator_tool),
        Producer=String(data.producer),
        CreationDate=String(_pdf_date(dt.datetime.fromisoformat(data.create_date))),
        ModDate=String(_pdf_date(dt.datetime.fromisoformat(data.modify_date))),
    )
    if data.keywords:
        info.Keywords = String(", ".join(data.keywords))
    pdf.trailer.Info = pdf.make_indirect(info)


def _embed_source(pdf: pikepdf.Pdf, letter: Letter, moment: dt.datetime) -> None:
    """The XML source as an associated file with /AFRelationship /Source."""
    stamp = _pdf_date(moment)
    name = letter.path.with_suffix(".xml").name
    spec = pikepdf.AttachedFileSpec(
        pdf,
        letter.source,
        description="XML source of this letter (briefpers letter format 1)",
        filename=name,
        mime_type="application/xml",
        creation_date=stamp,
        mod_date=stamp,
        relationship=Name.Source,
    )
    pdf.attachments[name] = spec
    pdf.Root.AF = pikepdf.Array([spec.obj])


# Switch for bench/bench.py, which measures what keeping the packet saves.
KEEP_XMP_AS_WRITTEN = True

ASSET_DESCRIPTIONS = {
    "figure": "Figure image referenced by the letter source",
    "signature": "Signature image referenced by the letter source",
}


def _embed_files(
    pdf: pikepdf.Pdf, letter: Letter, files: Mapping[str, bytes], moment: dt.datetime
) -> None:
    """The files the letter shows, as associated files (/AFRelationship /Supplement)
    after whatever the catalog's /AF already lists, so the archive copy can
    rebuild itself.

    Each is named by its `src` exactly as written (`img/signature.png`), in
    the order the source names them, with the bytes the typesetter used;
    files the letter's SVG images refer to follow, named by their path in
    the letter's folder. A file the theme does not print is not in `files`
    and not embedded. Dates are the source's; the MIME type comes from the
    content. Profile-neutral: the caller decides whether a profile embeds.
    """
    stamp = _pdf_date(moment)
    entries: list[tuple[str, bytes, str]] = []  # (file name, bytes, description)
    done: set[str] = set()
    for src, element in source_files.referenced(letter.body.getroottree().getroot()).items():
        key = source_files.key(src)
        if key in files:
            entries.append((src, files[key], ASSET_DESCRIPTIONS.get(element, "")))
            done.add(key)
    for key, data in files.items():
        if key not in done:
            entries.append((key, data, "File an image of the letter refers to"))
    for name, data, description in entries:
        spec = pikepdf.AttachedFileSpec(
            pdf,
            data,
            description=description or "File referenced by the letter source",
            filename=name,
            mime_type=mime_type(data),
            creation_date=stamp,
            mod_date=stamp,
            relationship=Name.Supplement,
        )
        tree_key = name
        while tree_key in pdf.attachments:  # the name tree needs unique keys
            tree_key = f"{tree_key} (2)"
        pdf.attachments[tree_key] = spec
        # pikepdf lists a file with a relationship in /AF itself (10.x); make
        # sure it is there once, after the source.
        if "/AF" not in pdf.Root:
            pdf.Root.AF = pikepdf.Array()
        if not any(entry.objgen == spec.obj.objgen for entry in pdf.Root.AF):
            pdf.Root.AF.append(spec.obj)


def finish(
    pdf_bytes: bytes,
    letter: Letter,
    profile: Profile,
    theme_name: str,
    *,
    moment: dt.datetime | None = None,
    files: Mapping[str, bytes] | None = None,
) -> bytes:
    """Turn WeasyPrint's tagged PDF into the archival PDF for `profile`.

    `moment`: SOURCE_DATE_EPOCH as a date-time, or None (the letter's date).
    `files`: the letter's own files the typesetter used (`typeset.Typeset.files`).
    """
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            data = xmp_data(letter, profile, theme_name, moment)
            # Drop the attachments WeasyPrint declared; we write all of them
            # ourselves. Its named destinations stay: links resolve through
            # them until the tag repair makes them explicit, and they keep
            # deep links such as letter.pdf#note-3 working.
            if "/AF" in pdf.Root:
                del pdf.Root.AF
            names = pdf.Root.get("/Names")
            if isinstance(names, Dictionary) and "/EmbeddedFiles" in names:
                del names.EmbeddedFiles
            metadata = pdf.make_stream(build_xmp(data))
            metadata.Type = Name.Metadata
            metadata.Subtype = Name.XML
            pdf.Root.Metadata = metadata
            if profile.pdf2:
                # PDF/A-4 keeps document metadata in XMP only (6.1.3: no Info).
                if "/Info" in pdf.trailer:
                    del pdf.trailer.Info
            else:
                _set_info(pdf, data)
            pdf.Root.Lang = String(letter.lang)
            prefs = pdf.Root.get("/ViewerPreferences", Dictionary())
            prefs.DisplayDocTitle = True
            pdf.Root.ViewerPreferences = prefs
            pdf.Root.MarkInfo = Dictionary(Marked=True)
            if profile.embed_source:
                _embed_source(pdf, letter, build_date(letter, moment))
                _embed_files(pdf, letter, files or {}, build_date(letter, moment))
            tagging.repair(pdf, pdf2=profile.pdf2)
            # qpdf keeps an existing first /ID element; WeasyPrint's depends
            # on the run, so drop it and let both elements derive from content.
            if "/ID" in pdf.trailer:
                del pdf.trailer.ID
            out = io.BytesIO()
            pdf.save(
                out,
                # Our XMP as written: pikepdf would parse and serialise it again
                # (about 2 % of a letter) and drop the padding that lets a later
                # tool edit it in place. It holds no pdf:PDFVersion to fix.
                fix_metadata_version=not KEEP_XMP_AS_WRITTEN,
                deterministic_id=True,
                compress_streams=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                force_version=profile.pdf_version,
            )
            return out.getvalue()
    except pikepdf.PdfError as exc:
        raise RenderError(f"archival finishing failed: {exc}") from exc
