"""WeasyPrint's C type strings without a C parse each.

WeasyPrint 70 names C types by strings (`ffi.new("PangoRectangle *")`,
`ffi.new(f"hb_codepoint_t[{n}]", glyphs)` for every font it subsets, with
`n` that font's glyph count in the letter). cffi parses each string it has
not seen with pycparser, together with a line for every typedef WeasyPrint
declared: 2–4 ms a string. A cold build of the three examples met 35 such
strings (85 ms of its 1.2 s), and a long-lived worker keeps meeting new
array lengths.

`install(ffi)` reads the simple shapes itself — a declared typedef name or
a primitive type, then `*`s, then `[N]` or `[]` — into the type objects
cffi's own parser would make (`cffi.model`), and hands them to cffi's own
type cache: the very same C type, without pycparser. Anything else
(`const`, `struct`, function types, names cffi does not know) goes to cffi
as before. It relies on names cffi keeps private; where they are missing,
nothing is installed and cffi parses as usual (slower, never different).
"""

from __future__ import annotations

import re

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# A type name (one word, or primitive words such as `unsigned int`), pointer
# stars, and at most one array suffix with a decimal length or none.
SIMPLE = re.compile(rf"\s*({_NAME}(?:\s+{_NAME})*)\s*((?:\*\s*)*)(?:\[\s*(\d*)\s*\])?\s*")


def install(ffi) -> bool:
    """Answer simple type strings of `ffi` without pycparser; whether it is installed."""
    parse = getattr(ffi, "_typeof_locked", None)
    if getattr(parse, "briefpers_types", False):  # asked on every typeset: answer first
        return True
    try:
        from cffi import model
    except ImportError:
        return False
    parser = getattr(ffi, "_parser", None)
    declarations = getattr(parser, "_declarations", None)
    cache = getattr(ffi, "_parsed_types", None)
    build = getattr(ffi, "_get_cached_btype", None)
    needed = (model, ("PrimitiveType", "PointerType", "ArrayType"))
    if not (
        callable(parse)
        and callable(build)
        and isinstance(declarations, dict)
        and isinstance(cache, dict)
        and all(hasattr(needed[0], name) for name in needed[1])
        and isinstance(getattr(model.PrimitiveType, "ALL_PRIMITIVE_TYPES", None), dict)
    ):
        return False

    def read(cdecl: str):
        """The cffi model type of a simple type string, or None for anything else."""
        found = SIMPLE.fullmatch(cdecl)
        if found is None:
            return None
        name, stars, length = found.groups()
        name = " ".join(name.split())
        declared = declarations.get(f"typedef {name}")
        if declared is not None:
            item, quals = declared
        elif name in model.PrimitiveType.ALL_PRIMITIVE_TYPES:
            item, quals = model.PrimitiveType(name), 0
        else:
            return None
        if isinstance(item, model.RawFunctionType):
            return None  # cffi turns these into function pointers: let it
        for _ in range(stars.count("*")):
            item, quals = model.PointerType(item, quals), 0
        if length is None:
            return item
        return model.ArrayType(item, int(length) if length else None)

    def typeof_locked(cdecl):
        # cffi calls this with its (non-reentrant) lock held, as its own does.
        known = cache.get(cdecl)
        if known is not None:
            return known
        simple = read(cdecl) if isinstance(cdecl, str) else None
        if simple is None:
            return parse(cdecl)
        result = build(simple), False
        cache[cdecl] = result
        return result

    typeof_locked.briefpers_types = True
    typeof_locked.cffi_parse = parse
    ffi._typeof_locked = typeof_locked
    return True
