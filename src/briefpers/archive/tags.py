"""Repairs to WeasyPrint's tag tree for PDF/UA-1 (filled in by the gate issue)."""

from __future__ import annotations

import pikepdf


def repair(pdf: pikepdf.Pdf) -> None:
    """Fix the tag tree in place."""
