"""The code points a font file maps, as HarfBuzz reads its cmap.

HarfBuzz is what shapes the letter's text, so its reading of the font is
the one that decides whether a character prints. It reads the cmap in C:
about a millisecond for a DejaVu font, where fontTools (which maps every
code point to a glyph name first) took 5–10 ms, paid for each of a theme's
fonts on its first letter in every process (`render.glyphs`).

The library is the one WeasyPrint loads; the few functions needed, which
WeasyPrint does not declare, are declared here. Where it cannot be opened,
`unicodes` returns None and the caller reads the font with fontTools.
"""

from __future__ import annotations

from functools import lru_cache

# The names WeasyPrint opens HarfBuzz by (weasyprint/text/ffi.py), sonames first.
HARFBUZZ = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll", "harfbuzz")
DECLARATIONS = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef uint32_t hb_codepoint_t;
typedef int hb_bool_t;
hb_blob_t *hb_blob_create (const char *data, unsigned int length, int mode,
                           void *user_data, void *destroy);
void hb_blob_destroy (hb_blob_t *blob);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
unsigned int hb_face_get_glyph_count (const hb_face_t *face);
void hb_face_collect_unicodes (hb_face_t *face, hb_set_t *out);
hb_set_t *hb_set_create (void);
void hb_set_destroy (hb_set_t *set);
hb_bool_t hb_set_next_range (const hb_set_t *set, hb_codepoint_t *first, hb_codepoint_t *last);
"""
READONLY = 1  # HB_MEMORY_MODE_READONLY: HarfBuzz reads our bytes while we hold them
INVALID = 0xFFFFFFFF  # HB_SET_VALUE_INVALID: where hb_set_next_range starts


class UnreadableFontError(ValueError):
    """HarfBuzz finds no glyphs in the file: it is not a font it can read."""


@lru_cache(maxsize=1)
def _native():
    """Our cffi handle on HarfBuzz, or None where it cannot be opened."""
    from cffi import FFI

    from briefpers import cffi_types

    ffi = FFI()
    ffi.cdef(DECLARATIONS)
    cffi_types.install(ffi)  # `hb_codepoint_t *` without a C parse
    for name in HARFBUZZ:
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None


def available() -> bool:
    return _native() is not None


def unicodes(data: bytes, index: int = 0) -> frozenset[int] | None:
    """The code points font `index` of `data` maps to glyphs; None without HarfBuzz.

    UnreadableFontError when HarfBuzz sees no glyphs (not a font, or damaged
    beyond use): such a file would print nothing.
    """
    native = _native()
    if native is None:
        return None
    ffi, hb = native
    # A cdata over `data` (not `data` itself, which cffi guarantees only for
    # the call): HarfBuzz reads it until the blob is destroyed below.
    view = ffi.from_buffer("char[]", data)
    blob = hb.hb_blob_create(view, len(data), READONLY, ffi.NULL, ffi.NULL)
    try:
        face = hb.hb_face_create(blob, index)
        try:
            if hb.hb_face_get_glyph_count(face) == 0:
                raise UnreadableFontError("HarfBuzz finds no glyphs in it")
            found = hb.hb_set_create()
            try:
                hb.hb_face_collect_unicodes(face, found)
                first = ffi.new("hb_codepoint_t *", INVALID)
                last = ffi.new("hb_codepoint_t *")
                ranges = []
                while hb.hb_set_next_range(found, first, last):
                    ranges.append(range(first[0], last[0] + 1))
            finally:
                hb.hb_set_destroy(found)
        finally:
            hb.hb_face_destroy(face)
    finally:
        hb.hb_blob_destroy(blob)
    return frozenset().union(*ranges)
