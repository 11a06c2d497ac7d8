"""What this installation runs with, and what makes it slow or incomplete.

`briefpers doctor` prints one line per part: versions, the font subsetter
WeasyPrint uses (HarfBuzz, or fontTools: the slow path, every letter about
3x as long), whether WeasyPrint's C type strings are read without pycparser,
how many worker processes a build starts and from where, veraPDF with its
class-data-sharing archive, the preview renderer and Dask. Nothing here prints; the CLI does.
"""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from briefpers import __version__
from briefpers.errors import BriefpersError
from briefpers.settings import Settings

OK, WARNING, MISSING, ERROR = "ok", "warning", "missing", "error"


@dataclass(frozen=True)
class Finding:
    """One part of the installation: what it is, and how well it does."""

    part: str
    value: str
    level: str = OK  # ok | warning (works, but slowly) | missing (optional) | error
    hint: str = ""


def diagnose(settings: Settings | None = None) -> list[Finding]:
    """Every part, in the order a build uses them."""
    settings = settings or Settings()
    found = [Finding("briefpers", f"{__version__} (Python {platform.python_version()})")]
    found += _typesetter()
    found += [_pikepdf(), _workers(), _verapdf(settings), _previews(), _dask()]
    return found


def _workers() -> Finding:
    """Where `build` puts its letters without --jobs (what a report's `workers` means)."""
    from briefpers.batch.executors import SMALL_BATCH, LocalExecutor, fork_supported

    cores = LocalExecutor(None).workers
    if cores == 1:
        return Finding("workers", "1 core: letters are built in the briefpers process")
    if fork_supported():
        where = "2 letters or more: forked from briefpers itself after it loaded WeasyPrint"
    else:
        where = (
            f"more than {SMALL_BATCH} letters: forked from a server that preloaded "
            f"WeasyPrint; 2-{SMALL_BATCH} letters: built in the briefpers process"
        )
    return Finding(
        "workers",
        f"{cores}, one per core ({where}; one letter: built in the briefpers process)",
    )


def _typesetter() -> list[Finding]:
    from briefpers.quick_import import import_weasyprint

    try:
        weasyprint = import_weasyprint()
        from weasyprint.text.ffi import pango
    except (ImportError, OSError) as exc:
        return [
            Finding(
                "WeasyPrint",
                f"cannot be loaded: {exc}",
                ERROR,
                "install Pango 1.44 or later (Debian: apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0 libharfbuzz-subset0)",
            )
        ]
    from briefpers.typeset import subsetter

    pango_version = _dotted(pango.pango_version())
    harfbuzz_version = _harfbuzz_version()
    found = [
        Finding(
            "WeasyPrint",
            f"{weasyprint.__version__} (Pango {pango_version}, HarfBuzz {harfbuzz_version})",
        )
    ]
    found.append(_type_strings())
    if subsetter() == "harfbuzz":
        found.append(Finding("font subsetter", "HarfBuzz (libharfbuzz-subset)"))
    else:
        found.append(
            Finding(
                "font subsetter",
                "fontTools: the slow path, every letter takes about 3x as long",
                WARNING,
                "install libharfbuzz-subset0, version 4.1 or later "
                "(Debian/Ubuntu: apt-get install libharfbuzz-subset0)",
            )
        )
    return found


def _type_strings() -> Finding:
    """Whether WeasyPrint's C type strings are read by `briefpers.cffi_types`
    (a cffi whose private names changed leaves each to pycparser: 2-4 ms each)."""
    import sys

    import cffi

    module = sys.modules.get("weasyprint.text.ffi")
    reader = getattr(getattr(module, "ffi", None), "_typeof_locked", None)
    if getattr(reader, "briefpers_types", False):
        return Finding("C type strings", f"read by briefpers (cffi {cffi.__version__})")
    return Finding(
        "C type strings",
        f"parsed by pycparser (cffi {cffi.__version__}): 2-4 ms for each new one, about "
        "0.1 s of a cold build",
        WARNING,
        "briefpers reads them with cffi 2.x; this cffi differs in what briefpers.cffi_types "
        "relies on (builds are right, only slower)",
    )


def _harfbuzz_version() -> str:
    """HarfBuzz's version string (WeasyPrint does not declare the call: ask with ctypes)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("harfbuzz")
    try:
        lib = ctypes.CDLL(name or "libharfbuzz.so.0")
        lib.hb_version_string.restype = ctypes.c_char_p
        return lib.hb_version_string().decode("ascii")
    except (OSError, AttributeError, UnicodeDecodeError):
        return "unknown version"


def _dotted(version: int) -> str:
    """Pango's integer version (15002) as 1.50.2."""
    return f"{version // 10000}.{version // 100 % 100}.{version % 100}"


def _pikepdf() -> Finding:
    import pikepdf

    return Finding("pikepdf", f"{pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})")


def _verapdf(settings: Settings) -> Finding:
    from briefpers.check.verapdf import VERAPDF_VERSION, class_archive, find_verapdf

    try:
        jar = find_verapdf(settings.verapdf_jar)
    except BriefpersError as exc:
        return Finding("veraPDF", str(exc), MISSING, "needed by `validate` and `build --validate`")
    if not class_archive(jar).is_file():
        return Finding(
            "veraPDF",
            f"{VERAPDF_VERSION} ({jar}), no class-data-sharing archive: each run starts slowly",
            WARNING,
            "python -m briefpers.check.verapdf --make-archive (or make tools)",
        )
    return Finding("veraPDF", f"{VERAPDF_VERSION} ({jar}, with its class-data-sharing archive)")


def _previews() -> Finding:
    exe = shutil.which("pdftoppm")
    if exe is None:
        return Finding(
            "previews",
            "pdftoppm is not installed",
            MISSING,
            "needed by `preview` and `watch --preview` (Debian: apt-get install poppler-utils)",
        )
    return Finding("previews", f"pdftoppm ({Path(exe)})")


def _dask() -> Finding:
    try:
        import distributed
    except ImportError:
        return Finding(
            "Dask",
            "dask.distributed is not installed",
            MISSING,
            "needed by --executor dask: pip install 'briefpers[dask]'",
        )
    return Finding("Dask", f"distributed {distributed.__version__}")
