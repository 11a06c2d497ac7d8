"""The archival output profiles: one definition, used by the CLI and the stages.

- `pdfa-3a-ua1` (default): PDF/A-3a + PDF/UA-1 (PDF 1.7), the XML source
  embedded as an associated file, for archives that accept PDF/A-3.
- `pdfa-2a-ua1`: PDF/A-2a + PDF/UA-1 (PDF 1.7) without embedded files, for
  archives that refuse attachments.
- `pdfa-4f-ua2`: PDF/A-4f + PDF/UA-2 + WTPDF 1.0 (PDF 2.0), the XML source
  embedded, for the newest standards.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefpers.errors import ConfigError

# The PDF Declarations (ISO/TS 24064) a WTPDF 1.0 file makes in its XMP.
WTPDF_ACCESSIBILITY = "http://pdfa.org/declarations/wtpdf#accessibility1.0"
WTPDF_REUSE = "http://pdfa.org/declarations/wtpdf#reuse1.0"


@dataclass(frozen=True)
class Profile:
    name: str
    pdfa_part: int
    pdfa_conformance: str
    embed_source: bool
    weasyprint_variant: str
    pdfua_part: int = 1
    pdf_version: str = "1.7"
    # Revision years the later parts declare (pdfaid:rev, pdfuaid:rev).
    pdfa_rev: int | None = None
    pdfua_rev: int | None = None
    declarations: tuple[str, ...] = ()  # PDF Declarations (pdfd:conformsTo)
    # veraPDF flavours every file of this profile passes with zero failed rules.
    flavours: tuple[str, ...] = ()

    @property
    def pdf2(self) -> bool:
        """A PDF 2.0 file (its own structure namespace, FENote, no Info dictionary)."""
        return self.pdf_version >= "2.0"


PROFILES = {
    "pdfa-3a-ua1": Profile("pdfa-3a-ua1", 3, "A", True, "pdf/a-3a", flavours=("3a", "ua1")),
    "pdfa-2a-ua1": Profile("pdfa-2a-ua1", 2, "A", False, "pdf/a-2a", flavours=("2a", "ua1")),
    "pdfa-4f-ua2": Profile(
        "pdfa-4f-ua2",
        4,
        "F",
        True,
        "pdf/a-4f",
        pdfua_part=2,
        pdf_version="2.0",
        pdfa_rev=2020,
        pdfua_rev=2024,
        declarations=(WTPDF_ACCESSIBILITY, WTPDF_REUSE),
        flavours=("4f", "ua2", "wt1a", "wt1r"),
    ),
}
DEFAULT_PROFILE = "pdfa-3a-ua1"


def resolve_profile(name: str | None) -> Profile:
    """The profile called `name` (None: the default); an unknown name is a ConfigError."""
    name = name or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]
