"""briefpers: letter XML sources to archival PDF/A-3a + PDF/UA-1 letters.

The Python API (docs/api.md) is what this package exports:

    from briefpers import Settings, build_letter
    built = build_letter("input/letter.xml", settings=Settings.from_env())
    Path("letter.pdf").write_bytes(built.pdf)

Names are imported on first use, so `import briefpers` stays cheap (the
typesetter takes half a second to load).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name → (module, attribute): the documented API, and nothing else.
_API = {
    "Settings": ("briefpers.settings", "Settings"),
    "build_letter": ("briefpers.pipeline", "build_letter"),
    "Built": ("briefpers.pipeline", "Built"),
    "render_letter_html": ("briefpers.pipeline", "render_letter_html"),
    "load_letter": ("briefpers.source.load", "load"),
    "Letter": ("briefpers.source.model", "Letter"),
    "lint_file": ("briefpers.lint", "lint_file"),
    "Finding": ("briefpers.lint", "Finding"),
    "check_pdf": ("briefpers.api", "check_pdf"),
    "validate_pdfs": ("briefpers.check.verapdf", "validate"),
    "Verdict": ("briefpers.check.verapdf", "Verdict"),
    "extract_source": ("briefpers.archive.extract", "extract_source"),
    "BriefpersError": ("briefpers.errors", "BriefpersError"),
    "ExitCode": ("briefpers.errors", "ExitCode"),
    "PROFILES": ("briefpers.profiles", "PROFILES"),
    "DEFAULT_PROFILE": ("briefpers.profiles", "DEFAULT_PROFILE"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'briefpers' has no attribute {name!r}")
    module, attribute = _API[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
