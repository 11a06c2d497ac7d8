"""Import WeasyPrint without the library search that cost half its import.

WeasyPrint 70 opens each system library (GObject, Pango, HarfBuzz, its
subsetter, fontconfig, PangoFT2) by trying up to seven names, one per
platform's spelling (`libpango-1.0-0`, `pango-1.0-0`, `pango-1.0`, …), and
cffi hands each name it cannot open at once to `ctypes.util.find_library`.
On Linux that runs `ldconfig -p`, then gcc, then ld, for every name that is
not there: about a dozen misses, 0.3 s of a 0.6 s import, paid by every
cold `briefpers` command (bench/bench.py, section 3).

During the import only, `find_library` answers from one `ldconfig -p`
(what the stdlib consults first) and gives up on a name the linker cache
does not know instead of asking gcc and ld. Where that finds less than a
full search would (a library only gcc's search path knows, or HarfBuzz's
subsetter missing from the cache), WeasyPrint is imported again with the
full search: never a weaker typesetter for a faster start. Other platforms
import as usual. On every platform, WeasyPrint's C type strings are then
read without a C parser (`briefpers.cffi_types`).

WeasyPrint also imports fontTools' subsetter and variable-font instancer
at start-up (0.07–0.1 s), which it uses only without HarfBuzz's subsetter
or for variable fonts. During its import they are stand-ins that load the
real module when first used; other code importing them later gets the real
modules.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType


def import_weasyprint() -> ModuleType:
    """`import weasyprint`, quickly where the linker cache answers for it."""
    if "weasyprint" in sys.modules:  # imported elsewhere first: still read types quickly
        return _ready(sys.modules["weasyprint"])
    with _deferred_modules():
        try:
            with _cached_library_search() as quick:
                import weasyprint
            if not quick or _complete():
                return _ready(weasyprint)
        except OSError:
            pass  # a library the cache does not know: let the full search find it
        _forget()
        import weasyprint

    return _ready(weasyprint)


# Modules WeasyPrint imports at start-up and uses only on paths briefpers
# rarely takes → the names it imports from them.
DEFERRED = {"fontTools.subset": (), "fontTools.varLib.instancer": ("instantiateVariableFont",)}


class _StandIn(ModuleType):
    """A module not loaded yet: the first attribute read loads the real one."""

    def __getattr__(self, name: str):
        if name.startswith("__"):  # the import system probing (__path__, …): not a read
            raise AttributeError(name)
        return getattr(_load(self.__name__), name)


def _load(name: str) -> ModuleType:
    if isinstance(sys.modules.get(name), _StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


def _deferred_function(module: str, name: str):
    def call(*args, **kwargs):
        return getattr(_load(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


@contextlib.contextmanager
def _deferred_modules() -> Iterator[None]:
    """Stand-ins for `DEFERRED` while WeasyPrint imports (only modules not loaded yet)."""
    placed: dict[str, ModuleType] = {}
    for module, names in DEFERRED.items():
        if module in sys.modules:
            continue
        stand_in = _StandIn(module)
        for name in names:  # `from module import name` reads these at once
            setattr(stand_in, name, _deferred_function(module, name))
        placed[module] = sys.modules[module] = stand_in
    try:
        yield
    finally:
        for module, stand_in in placed.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


def _ready(weasyprint: ModuleType) -> ModuleType:
    """WeasyPrint with its C type strings read without a C parse (`briefpers.cffi_types`)."""
    from briefpers import cffi_types

    ffi = sys.modules.get("weasyprint.text.ffi")
    if ffi is not None and hasattr(ffi, "ffi"):
        cffi_types.install(ffi.ffi)
    return weasyprint


def _complete() -> bool:
    """Whether the quick import found every library a full search finds here
    (HarfBuzz's subsetter is optional: missing, WeasyPrint falls back silently)."""
    ffi = sys.modules.get("weasyprint.text.ffi")
    return ffi is not None and getattr(ffi, "harfbuzz_subset", None) is not None


def _forget() -> None:
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        del sys.modules[name]


@contextlib.contextmanager
def _cached_library_search() -> Iterator[bool]:
    """`ctypes.util.find_library` answered from one `ldconfig -p`; yields whether it is."""
    cache = _linker_cache() if sys.platform.startswith("linux") else None
    if cache is None:
        yield False
        return
    import ctypes.util

    full = ctypes.util.find_library
    abi = _abi()

    def find_library(name: str) -> str | None:
        # The stdlib's own first step (ctypes.util._findSoname_ldconfig), on a
        # cache read once; a miss is final instead of a gcc and an ld run.
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", cache)
        return found.group(1) if found else None

    ctypes.util.find_library = find_library
    try:
        yield True
    finally:
        ctypes.util.find_library = full


def _linker_cache() -> str | None:
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None
    )
    if ldconfig is None:
        return None
    try:
        done = subprocess.run(
            [ldconfig, "-p"],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def _abi() -> str:
    """The architecture tag `ldconfig -p` prints, as the stdlib derives it."""
    import struct

    machine = os.uname().machine + "-" + str(struct.calcsize("l") * 8)
    return {
        "x86_64-64": "libc6,x86-64",
        "ppc64-64": "libc6,64bit",
        "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit",
        "ia64-64": "libc6,IA-64",
    }.get(machine, "libc6")
