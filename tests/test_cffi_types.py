"""WeasyPrint's C type strings answered without pycparser (briefpers.cffi_types)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cffi
import pytest

from briefpers import cffi_types
from briefpers.quick_import import import_weasyprint

ROOT = Path(__file__).resolve().parents[1]
# What WeasyPrint 70 asks for while building letters, and shapes around them.
STRINGS = [
    "PangoFcFontMap *",
    "FcConfig *",
    "FcChar8 **",
    "PangoRectangle *",
    "PangoLogAttr[]",
    "char[]",
    "char[4]",
    "unsigned int *",
    "uintptr_t",
    "hb_tag_t[100]",
    "hb_codepoint_t[1]",
    "hb_codepoint_t[ 37 ]",
    "hb_codepoint_t[5044]",
    "hb_codepoint_t *[3]",
    "unsigned  int[2]",
]
# Shapes it leaves to cffi.
OTHERS = ["const char *", "void *", "int(*)(int)", "PangoRectangle[2][3]"]


def weasyprint_ffi():
    import_weasyprint()
    from weasyprint.text import ffi as module

    return module.ffi


def cffi_own(ffi, cdecl: str):
    """The C type cffi's own parser makes of `cdecl`."""
    with ffi._lock:
        return ffi._get_cached_btype(ffi._parser.parse_type(cdecl))


def test_installed_on_weasyprints_ffi():
    # Fails when a cffi or WeasyPrint release renames what it relies on:
    # builds stay right, but every new type string costs a C parse again.
    assert getattr(weasyprint_ffi()._typeof_locked, "briefpers_types", False)


@pytest.mark.parametrize("cdecl", STRINGS)
def test_the_same_type_as_cffis_own_parse(cdecl):
    ffi = weasyprint_ffi()
    ours = ffi.typeof(cdecl)
    assert ours is cffi_own(ffi, cdecl)
    assert ffi.getctype(ours) == ffi.getctype(cffi_own(ffi, cdecl))


def spied_ffi() -> tuple[cffi.FFI, list[str]]:
    """A fresh FFI with the shim installed over a parse that records its calls."""
    ffi = cffi.FFI()
    ffi.cdef("typedef struct { int x, y; } PangoRectangle; typedef unsigned int hb_codepoint_t;")
    calls: list[str] = []
    own = ffi._typeof_locked

    def parse(cdecl):
        calls.append(cdecl)
        return own(cdecl)

    ffi._typeof_locked = parse
    assert cffi_types.install(ffi)
    return ffi, calls


@pytest.mark.parametrize("cdecl", ["PangoRectangle *", "hb_codepoint_t[42]", "char[]", "int **"])
def test_simple_shapes_need_no_parse(cdecl):
    ffi, calls = spied_ffi()
    made = ffi.new(cdecl) if not cdecl.endswith("[]") else ffi.new(cdecl, 3)
    assert calls == []
    assert ffi.typeof(made) is cffi_own(ffi, cdecl)


@pytest.mark.parametrize("cdecl", OTHERS)
def test_other_shapes_are_left_to_cffi(cdecl):
    ffi, calls = spied_ffi()
    assert ffi.typeof(cdecl) is cffi_own(ffi, cdecl)
    assert calls == [cdecl]


def test_unknown_names_are_cffis_errors():
    ffi, calls = spied_ffi()
    with pytest.raises(cffi.CDefError):
        ffi.typeof("NoSuchType[3]")
    assert calls == ["NoSuchType[3]"]


def test_nothing_installed_without_cffis_private_names():
    class NotAnFFI:
        pass

    assert not cffi_types.install(NotAnFFI())


def test_a_cold_build_parses_almost_no_c():
    # In a fresh process: the three examples met 35 type strings, each a
    # pycparser run of 2-4 ms (WeasyPrint's glyph arrays above all); now
    # only what the shim leaves to cffi.
    script = (
        "import json, re, sys, pycparser\n"
        "texts = []\n"
        "parse = pycparser.CParser.parse\n"
        "def counted(self, text, *a, **k):\n"
        "    texts.append(text)\n"
        "    return parse(self, text, *a, **k)\n"
        "pycparser.CParser.parse = counted\n"
        "from briefpers.quick_import import import_weasyprint\n"
        "import_weasyprint()\n"
        "at_import = len(texts)\n"
        "from pathlib import Path\n"
        "from briefpers.pipeline import build_letter\n"
        "for f in sorted(Path('input').glob('*.xml')):\n"
        "    build_letter(f)\n"
        "types = [m.group(1) for t in texts[at_import:]\n"
        "         for m in [re.search(r'void __dummy\\(\\n(.*)\\n\\);', t)] if m]\n"
        "print(json.dumps([at_import, len(texts) - at_import - len(types), types]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    at_import, declarations, types = json.loads(done.stdout.strip().splitlines()[-1])
    assert at_import <= 2  # WeasyPrint's cdef itself
    assert declarations <= 2  # briefpers' own: HarfBuzz's cmap reader, fontconfig
    assert set(types) <= {"void *"}, types  # a cast in closed_fonts, once
