"""Read the embedded XML source back out of an archival PDF."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from briefpers.errors import CheckError


def extract_source(path: Path) -> tuple[str, bytes]:
    """The (filename, bytes) of the associated file with /AFRelationship /Source."""
    try:
        with pikepdf.open(path) as pdf:
            for spec in pdf.Root.get("/AF", []):
                if spec.get("/AFRelationship") == "/Source" and "/EF" in spec:
                    name = str(spec.get("/UF", spec.get("/F", "source.xml")))
                    return name, spec.EF.F.read_bytes()
    except (pikepdf.PdfError, OSError) as exc:
        raise CheckError(f"cannot read PDF: {exc}", path=path) from None
    raise CheckError("no embedded source (built with a profile that embeds none?)", path=path)
