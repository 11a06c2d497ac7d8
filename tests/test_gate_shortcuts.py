"""The gate's quick ways of reading bytes find what the plain regular expressions find.

Each shortcut (C-speed bytes operations, patterns that look behind after
their first byte, a fast path for plain CMap pairs) stands in for a slower
definition kept here; random content built from the tokens that matter
(hex strings of every length, numbers glued to letters, names, q/Q,
brackets and angle brackets) must give the same answer both ways.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from briefpers.check import gate
from briefpers.check.cmap import CMap

TOKENS = [
    b"<", b">", b"<<", b">>", b"[", b"]", b" ", b"\n", b"\t", b"%", b"(", b")",
    b"0", b"12", b"-3", b"+.5", b".", b"-", b"1.5e3", b"e5", b"0e5", b"5a", b"a5",
    b"<002a>", b"<00 2a>", b"<0>", b"<abc>", b"<00480>", b"<>", b"<ABCDEF12>",
    b"/F1", b"/a1.0", b"q", b"Q", b"qQ", b"BT", b"TJ", b"Tj", b"Tf", b"'", b'"',
    b"BDC", b"cm", b"rg", b"k", b"BI", b"xBI", b"}", b"x",
]  # fmt: skip
content = st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join)

# The definitions the shortcuts replace.
_AFTER_DELIMITER = rb"(?<![^\s\[\]<>(){}%])"
_REGULAR = gate._REGULAR
PLAIN = {
    "word": re.compile(_AFTER_DELIMITER + rb"[^\s\[\]<>(){}%/0-9.+-]" + _REGULAR + rb"*"),
    "bad": re.compile(
        _AFTER_DELIMITER + rb"[-+.0-9][-+.0-9]*[^\s\[\]<>(){}%/\-+.0-9]" + _REGULAR + rb"*"
    ),
    "text": re.compile(
        rb"/(" + _REGULAR + rb"+)\s+[-+0-9.]+\s+Tf(?!" + _REGULAR + rb")"
        rb"|\[([^\]]*)\]\s*TJ(?!" + _REGULAR + rb")"
        rb"|<([0-9A-Fa-f\s]*)>\s*(?:Tj|'|\")(?!" + _REGULAR + rb")"
        rb"|" + _AFTER_DELIMITER + rb"([qQ])(?!" + _REGULAR + rb")"
    ),
    "inline": re.compile(rb"(?<![^\s\]>)}])BI(?![^\s/\[<(])"),
}
QUICK = {
    "word": gate._WORD,
    "bad": gate._BAD_NUMBER,
    "text": gate._TEXT_EVENT,
    "inline": gate._INLINE_IMAGE,
}
ODD_HEX = re.compile(rb"<(?:[0-9A-Fa-f]{4})*[0-9A-Fa-f]{1,3}>")
HEX_STRING = re.compile(rb"<[0-9A-Fa-f\s]*>")


def _found(pattern: re.Pattern, data: bytes) -> list:
    found = []
    for m in pattern.finditer(data):
        groups = m.groups()
        if pattern is gate._TEXT_EVENT:  # q and Q match without a group of their own
            groups += (m.group() if m.lastindex is None else None,)
        found.append((m.span(), groups))
    return found


@settings(max_examples=400)
@given(content)
def test_patterns_that_look_behind_late_find_the_same(data: bytes) -> None:
    for kind, pattern in PLAIN.items():
        assert _found(QUICK[kind], data) == _found(pattern, data), kind


@settings(max_examples=400)
@given(content)
def test_blanking_hex_runs_leaves_the_same_words(data: bytes) -> None:
    def bare(hex_pattern: re.Pattern) -> bytes:
        return gate._NAME_TOKEN.sub(b" ", hex_pattern.sub(b" ", data))

    slow, quick = bare(HEX_STRING), bare(gate._HEX_RUN)
    assert gate._WORD.findall(quick) == gate._WORD.findall(slow)
    assert bool(gate._BAD_NUMBER_HINT.search(quick)) == bool(gate._BAD_NUMBER_HINT.search(slow))
    # The gate reads the tokens, not where they are (blanking runs shortens the text).
    assert gate._BAD_NUMBER.findall(quick) == gate._BAD_NUMBER.findall(slow)


@settings(max_examples=400)
@given(content)
def test_odd_hex_strings_are_found_without_a_pattern(data: bytes) -> None:
    assert gate._odd_hex(data) == (ODD_HEX.search(data) is not None)


@settings(max_examples=400)
@given(st.lists(st.sampled_from([b"<", b">", b"0", b"00", b"a", b"<00>", b">0<", b"-3", b" "])))
def test_kerning_zeros_removed_first_give_the_same_codes(parts: list[bytes]) -> None:
    blob = b"".join(parts)
    body = blob[blob.find(b"<") + 1 : blob.rfind(b">")]
    quick = body
    if b">>" not in body.translate(None, gate._ALL_BUT_ANGLES):
        quick = body.replace(b">0<", b"")
    assert gate._BETWEEN_HEX.sub(b"", quick) == gate._BETWEEN_HEX.sub(b"", body)


LONG_PARTS = [
    b"(" + b"a" * 32768 + b")",  # over the limit
    b"(" + b"a" * 32767 + b")",  # at it
    b"(" + b"\\)" * 16384 + b")",  # escapes
    b"<" + b"0" * 65535 + b">",
    b"<" + b"0 " * 40000 + b">",
    b"x" * 100,
    b"(",
    b")",
    b"<<",
    b"(short)",
]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(LONG_PARTS), min_size=1, max_size=5))
def test_long_strings_are_looked_for_wherever_one_can_be(parts: list[bytes]) -> None:
    raw = b"".join(parts)
    if gate._LONG_STRING.search(raw):
        assert gate._long_string_possible(raw)


def _cmap(block: bytes) -> CMap:
    return CMap(b"1 begincodespacerange <0000> <ffff> endcodespacerange\n" + block)


@given(
    st.lists(st.tuples(st.integers(1, 0xFFFF), st.integers(0x20, 0xD7FF)), min_size=1, max_size=30)
)
def test_plain_bfchar_pairs_map_as_the_tokens_do(pairs: list[tuple[int, int]]) -> None:
    lines = b"".join(b"<%04x> <%04x>\n" % pair for pair in pairs)
    quick = _cmap(b"%d beginbfchar\n%sendbfchar" % (len(pairs), lines))
    # A bracket in the block is not plain: the general reading takes it (and skips it).
    general = _cmap(b"beginbfchar\n%s[ ]\nendbfchar" % lines)
    assert quick.single == general.single
    first: dict[int, str] = {}
    for code, unicode in pairs:
        first.setdefault(code, chr(unicode))
    assert quick.single == first
