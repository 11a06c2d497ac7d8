"""The little a conformance check needs from a font program: its name, its glyph count.

Read straight from the bytes (TrueType/OpenType tables, a CFF Name INDEX, a
Type 1 header) instead of through fontTools: a few microseconds per font,
and nothing to import. Damaged data gives None, never an exception.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache
from pathlib import Path

_TYPE1_NAME = re.compile(rb"/FontName\s*/([^\s/\[\]{}()<>%]+)")


def postscript_names(data: bytes) -> list[str]:
    """The PostScript names in a font file: one, or one per font of a collection."""
    if data[:4] == b"ttcf":
        try:
            (count,) = struct.unpack_from(">I", data, 8)
            offsets = struct.unpack_from(f">{min(count, 256)}I", data, 12)
        except struct.error:
            return []
        names = (_sfnt_name(data, offset) for offset in offsets)
        return [name for name in names if name]
    name = program_name(data)
    return [name] if name else []


def program_name(data: bytes) -> str | None:
    """The PostScript name of a TrueType/OpenType, CFF or Type 1 font program."""
    if data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true", b"typ1"):
        return _sfnt_name(data, 0)
    if data[:2] in (b"%!", b"\x80\x01"):
        match = _TYPE1_NAME.search(data[:65536])
        return match.group(1).decode("latin-1") if match else None
    if len(data) > 4 and data[0] == 1:  # CFF major version 1
        return _cff_name(data)
    return None


def glyph_count(data: bytes) -> int | None:
    """numGlyphs from the 'maxp' table of a TrueType/OpenType program."""
    table = _table(data, 0, b"maxp")
    if table is None or table[1] < 6:
        return None
    return struct.unpack_from(">H", data, table[0] + 4)[0]


def _table(data: bytes, base: int, tag: bytes) -> tuple[int, int] | None:
    try:
        (count,) = struct.unpack_from(">H", data, base + 4)
        for i in range(min(count, 512)):
            entry = base + 12 + 16 * i
            if data[entry : entry + 4] == tag:
                offset, length = struct.unpack_from(">II", data, entry + 8)
                return (offset, length) if offset + length <= len(data) else None
    except struct.error:
        return None
    return None


def _sfnt_name(data: bytes, base: int) -> str | None:
    table = _table(data, base, b"name")
    if table is None:
        return None
    start, length = table
    try:
        _fmt, count, strings = struct.unpack_from(">HHH", data, start)
        found: dict[tuple[int, int], bytes] = {}
        for i in range(min(count, 4096)):
            platform, encoding, _lang, name_id, size, offset = struct.unpack_from(
                ">HHHHHH", data, start + 6 + 12 * i
            )
            if name_id == 6:
                at = start + strings + offset
                if at + size <= start + length:
                    found.setdefault((platform, encoding), data[at : at + size])
    except struct.error:
        return None
    for key, codec in (((3, 1), "utf-16-be"), ((0, 3), "utf-16-be"), ((1, 0), "mac-roman")):
        if key in found:
            return found[key].decode(codec, errors="replace").strip("\x00 ") or None
    return None


def _cff_name(data: bytes) -> str | None:
    """The first name of the Name INDEX (CFF 1.0: header, then the Name INDEX)."""
    try:
        header_size = data[2]
        (count,) = struct.unpack_from(">H", data, header_size)
        if count == 0:
            return None
        off_size = data[header_size + 2]
        if not 1 <= off_size <= 4:
            return None
        offsets_at = header_size + 3

        def offset(i: int) -> int:
            raw = data[offsets_at + i * off_size : offsets_at + (i + 1) * off_size]
            return int.from_bytes(raw, "big")

        data_at = offsets_at + (count + 1) * off_size - 1
        first, end = offset(0), offset(1)
        name = data[data_at + first : data_at + end]
    except (IndexError, struct.error):
        return None
    return name.decode("latin-1") or None


def names_of_files(paths: list[Path]) -> set[str]:
    """PostScript names of font files (unreadable files contribute nothing)."""
    names: set[str] = set()
    for path in paths:
        try:
            stat = path.stat()
            names.update(
                _names_of_file(str(path), stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
            )
        except OSError:
            continue
    return names


@lru_cache(maxsize=256)
def _names_of_file(path: str, _dev: int, _ino: int, _mtime_ns: int, _size: int) -> frozenset[str]:
    """A theme's fonts are read for every letter's gate: read each file once
    (a file changed on disk has another identity, size or time)."""
    return frozenset(postscript_names(Path(path).read_bytes()))
