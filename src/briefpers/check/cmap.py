"""Embedded CMaps, looked up lazily: ToUnicode (code → text) and encodings (code → CID).

Ranges are kept as ranges (a hostile `<00000000> <FFFFFFFF>` is one entry,
not four billion), so parsing costs what the CMap's text costs. Only what a
conformance check needs: `bfchar`/`bfrange`, `cidchar`/`cidrange`, and
whether the codes are two bytes wide.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_BLOCK = re.compile(rb"begin(bfchar|bfrange|cidchar|cidrange|codespacerange)(.*?)end\1", re.DOTALL)
_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[|\]|\d+")
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_PLAIN_PAIRS = re.compile(rb"\s*(?:<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]*>\s*)*")
MAX_TOKENS = 400_000  # far more entries than any real font has glyphs

Target = str | int | list[str]


def _text(hex_digits: bytes) -> str:
    raw = bytes.fromhex(hex_digits.decode("ascii"))
    return raw.decode("utf-16-be", errors="surrogatepass") if raw else ""


class CMap:
    """Single mappings and ranges of one embedded CMap."""

    def __init__(self, data: bytes) -> None:
        self.single: dict[int, Target] = {}
        ranges: list[tuple[int, int, Target]] = []
        self.code_bytes: set[int] = set()  # widths of the codespace ranges
        tokens_seen = 0
        for kind, body in _BLOCK.findall(data):
            if kind == b"bfchar" and _PLAIN_PAIRS.fullmatch(body):
                # The usual shape, `<002a> <0047>` a line: read pair by pair
                # in one call; the same entries as the tokens below give.
                pairs = _PAIR.findall(body)
                tokens_seen += 2 * len(pairs)
                if tokens_seen > MAX_TOKENS:
                    break
                for src, dst in pairs:
                    self.single.setdefault(int(src, 16), _text(dst))
                continue
            tokens: list[tuple[str, bytes]] = []
            for match in _TOKEN.finditer(body):
                digits = match.group(1)
                if digits is not None:
                    tokens.append(("hex", b"".join(digits.split())))
                elif match.group(0) in (b"[", b"]"):
                    tokens.append((match.group(0).decode(), b""))
                else:
                    tokens.append(("int", match.group(0)))
            tokens_seen += len(tokens)
            if tokens_seen > MAX_TOKENS:
                break
            if kind == b"codespacerange":
                self.code_bytes.update(len(t[1]) // 2 for t in tokens if t[0] == "hex")
            elif kind in (b"bfchar", b"cidchar"):
                for src, dst in zip(tokens[0::2], tokens[1::2], strict=False):
                    target = _target(dst)
                    if src[0] == "hex" and src[1] and target is not None:
                        self.single.setdefault(int(src[1], 16), target)
            else:
                _ranges(tokens, ranges)
        ranges.sort(key=lambda r: r[0])
        self._starts = [r[0] for r in ranges]
        self._ranges = ranges

    @property
    def two_byte(self) -> bool:
        """True if every code is two bytes (the only layout we decode)."""
        return self.code_bytes == {2}

    def lookup(self, code: int) -> Target | None:
        if code in self.single:
            return self.single[code]
        index = bisect_right(self._starts, code) - 1
        # Ranges may overlap in a hostile CMap: look back a little.
        for lo, hi, target in reversed(self._ranges[max(0, index - 8) : index + 1]):
            if lo <= code <= hi:
                return _offset(target, code - lo)
        return None


def _target(token: tuple[str, bytes]) -> Target | None:
    kind, value = token
    if kind == "hex":
        return _text(value)
    if kind == "int":
        return int(value)
    return None


def _ranges(tokens: list[tuple[str, bytes]], out: list[tuple[int, int, Target]]) -> None:
    i = 0
    while i + 2 < len(tokens):
        lo, hi, dst = tokens[i], tokens[i + 1], tokens[i + 2]
        i += 3
        target: Target | None
        if dst[0] == "[":
            items: list[str] = []
            while i < len(tokens) and tokens[i][0] != "]":
                if tokens[i][0] == "hex":
                    items.append(_text(tokens[i][1]))
                i += 1
            i += 1
            target = items
        else:
            target = _target(dst)
        if lo[0] == "hex" and hi[0] == "hex" and lo[1] and hi[1] and target is not None:
            out.append((int(lo[1], 16), int(hi[1], 16), target))


def _offset(target: Target, offset: int) -> Target | None:
    if isinstance(target, int):
        return target + offset
    if isinstance(target, list):
        return target[offset] if offset < len(target) else None
    if not target:
        return None
    # bfrange: the last UTF-16 code unit is incremented across the range.
    last = ord(target[-1]) + offset
    return target[:-1] + chr(last) if last < 0x110000 else None


class ToUnicode:
    """code → the text it stands for (None: not mapped)."""

    def __init__(self, data: bytes) -> None:
        self.cmap = CMap(data)

    def get(self, code: int) -> str | None:
        value = self.cmap.lookup(code)
        return value if isinstance(value, str) else None


class Encoding:
    """code → CID through an embedded CMap; an unmapped code selects CID 0 (.notdef)."""

    def __init__(self, data: bytes) -> None:
        self.cmap = CMap(data)

    @property
    def two_byte(self) -> bool:
        return self.cmap.two_byte

    def cid(self, code: int) -> int:
        value = self.cmap.lookup(code)
        return value if isinstance(value, int) and value >= 0 else 0
