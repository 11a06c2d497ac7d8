"""A WeasyPrint font configuration that knows only the fonts of the theme.

WeasyPrint's `FontConfiguration` starts from fontconfig's system
configuration, so Pango falls back to any installed font for a character
the theme's fonts lack: the output then depends on the machine, silently.
Upstream keeps the system fonts on purpose (WeasyPrint #1048, #1059), so
this workaround swaps the configuration of WeasyPrint's font map for an
empty one (`FcConfigCreate`): the fonts are then exactly those the
documents' @font-face rules add, the theme's. A character none of them has
prints as `.notdef`, which WeasyPrint reports (typeset.py turns that into
an error) and which `render.glyphs` refuses, with its line, before
typesetting. Pango crashes when a document has no font at all, so the
typesetter refuses a theme without fonts.

It relies on WeasyPrint internals (70.x): `FontConfiguration.font_map`, a
PangoFcFontMap, and `FontConfiguration._config`, the FcConfig that
`add_font_face` registers fonts in. `verify` checks that contract before
every document (cheap: a few C calls) and fails loudly, never silently;
nothing changes for other users of WeasyPrint in the process.
"""

from __future__ import annotations

from functools import lru_cache

from briefpers.errors import DependencyError

# The same libraries WeasyPrint opens (weasyprint/text/ffi.py), by soname.
FONTCONFIG = ("libfontconfig.so.1", "libfontconfig-1.dll", "libfontconfig.1.dylib", "fontconfig")
PANGOFT2 = (
    "libpangoft2-1.0.so.0",
    "libpangoft2-1.0-0.dll",
    "libpangoft2-1.0.dylib",
    "pangoft2-1.0",
)


@lru_cache(maxsize=1)
def _native():
    """Our own cffi handles for the two functions WeasyPrint does not declare."""
    from cffi import FFI

    from briefpers import cffi_types

    ffi = FFI()
    ffi.cdef(
        """
        typedef struct _FcConfig FcConfig;
        FcConfig *FcConfigCreate (void);
        FcConfig *pango_fc_font_map_get_config (void *fcfontmap);
        """
    )
    cffi_types.install(ffi)  # its casts without a C parse each
    return ffi, _open(ffi, FONTCONFIG), _open(ffi, PANGOFT2)


def _open(ffi, names: tuple[str, ...]):
    for name in names:
        try:
            return ffi.dlopen(name)
        except OSError:
            continue
    raise DependencyError(f"cannot load {names[0]} (WeasyPrint's system libraries)")


def _address(ffi, pointer) -> int:
    return int(ffi.cast("uintptr_t", pointer))


def closed_configuration():
    """A new WeasyPrint FontConfiguration with no fonts but those @font-face rules add."""
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    if not hasattr(config, "_config") or not hasattr(config, "font_map"):
        _broken("FontConfiguration has no _config or font_map")
    own_ffi, own_fontconfig, _ = _native()
    empty = ffi.cast("FcConfig *", _address(own_ffi, own_fontconfig.FcConfigCreate()))
    if empty == ffi.NULL:
        raise DependencyError("fontconfig could not create a font configuration")
    # As FontConfiguration.__init__ does: the font map takes a reference (and
    # drops the system configuration), we drop ours.
    font_map = ffi.cast("PangoFcFontMap *", config.font_map)
    pangoft2.pango_fc_font_map_set_config(font_map, empty)
    fontconfig.FcConfigDestroy(empty)
    config._config = empty
    verify(config)
    return config


def verify(config) -> None:
    """Fail loudly unless the font map uses our configuration and it holds no system font."""
    from weasyprint.text.ffi import ffi, fontconfig

    own_ffi, _, own_pangoft2 = _native()
    font_map = own_ffi.cast("void *", _address(ffi, config.font_map))
    in_use = _address(own_ffi, own_pangoft2.pango_fc_font_map_get_config(font_map))
    if in_use != _address(ffi, config._config):
        _broken("the font map does not use the configuration fonts are added to")
    system = fontconfig.FcConfigGetFonts(config._config, fontconfig.FcSetSystem)
    if system != ffi.NULL and system.nfont > 0:
        _broken(f"the configuration holds {system.nfont} system fonts")


def _broken(what: str) -> None:
    import weasyprint

    raise DependencyError(
        f"WeasyPrint {weasyprint.__version__} is not what briefpers.closed_fonts was "
        f"written for ({what}): the output would depend on this machine's fonts"
    )
