"""A cheap in-process conformance gate: the PDF/A and PDF/UA failures a build can cause.

veraPDF checks every rule but costs a JVM; this checks, in milliseconds, the
classes of non-conformance that hostile letters got past the build:

- glyphs the font cannot show, drawn as .notdef (empty boxes, "tofu"):
  glyph 0, or a glyph id beyond the embedded font's glyph count;
- text whose Unicode mapping (ToUnicode) or ActualText holds line or
  paragraph separators or control characters, maps to U+0000, U+FEFF or
  U+FFFE, or is missing, or maps to the Private Use Area without ActualText;
- device colour that does not match the output intent (a CMYK image in an
  RGB document; ICC-based CMYK is refused too, as the archive copy promises RGB);
- the implementation limits of PDF/A-2/3 (ISO 19005-2 6.1.13): strings over
  32767 bytes, names over 127 bytes, integers beyond ±2³¹−1, reals beyond
  ±3.403 × 10³⁸ or closer to zero than 1.175 × 10⁻³⁸, numbers too large to
  store at all, q/Q nesting over 28, page boxes outside 3–14400 units,
  more than 8388607 objects;
- operators that PDF does not define (e.g. a number in exponent notation);
- fonts not embedded, and embedded fonts other than the expected ones
  (when they are given).

Walking is bounded and cycle-safe: each object and each form XObject is
visited once, a form that draws itself is reported, and past a budget of
objects and operators the PDF is reported as too large to check.
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate, repeat
from pathlib import Path

import pikepdf
from pikepdf import ObjectType

from briefpers.check.cmap import Encoding, ToUnicode
from briefpers.check.sfnt import glyph_count, names_of_files, program_name
from briefpers.errors import RenderError
from briefpers.pdfsafe import (
    PDF_ERRORS,
    StreamTooLargeError,
    as_dict,
    describe,
    open_pdf,
    read_stream,
)

# ISO 32000-1 Annex A: every content stream operator. PDF/A forbids others,
# even between BX and EX.
OPERATORS = frozenset(
    "b B b* B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID "
    "j J K k l m M MP n q Q re RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf Tj TJ TL Tm Tr "
    "Ts Tw Tz v w W W* y ' \"".split()
)
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
MAX_REAL = Decimal("3.403e38")
MIN_REAL = Decimal("1.175e-38")
MAX_STRING = 32767
MAX_NAME = 127
MAX_Q_DEPTH = 28
MAX_OBJECTS = 8_388_607
CHUNK = 1024 * 1024  # bytes of a content stream parsed at once
DEVICE_SPACES = frozenset(["/DeviceCMYK", "/CMYK", "/DeviceRGB", "/RGB", "/DeviceGray", "/G"])
FORM = pikepdf.Name.Form
_IMAGE, _FONT = pikepdf.Name.Image, pikepdf.Name.Font  # looked up once: each costs a microsecond
_OPERANDS_NEEDED = frozenset(["TJ", "Tf", "Tj", "'", '"', "BDC", "cs", "CS", "Do"])
_DEVICE_OPERATORS = {
    "rg": "/DeviceRGB",
    "RG": "/DeviceRGB",
    "k": "/DeviceCMYK",
    "K": "/DeviceCMYK",
    "g": "/DeviceGray",
    "G": "/DeviceGray",
}
CID_FONTS = (pikepdf.Name.CIDFontType0, pikepdf.Name.CIDFontType2)
PAGE_BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")

# Line and paragraph separators, NEL, C0 and C1 controls and DEL: readers
# split, drop or choke on them in extracted text.
BAD_TEXT = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE])
_BAD_CHARS = frozenset(map(chr, BAD_TEXT))  # the same, as characters: a set test at C speed


def _is_pua(cp: int) -> bool:
    return 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000


@dataclass(frozen=True)
class Bounds:
    """How much of a PDF the gate is willing to look at."""

    steps: int = 2_000_000  # objects, array items and content operators in all
    stream_bytes: int = 64 * 1024 * 1024  # decoded bytes of one stream
    total_bytes: int = 256 * 1024 * 1024  # decoded bytes of all streams read
    form_depth: int = 32  # form XObjects drawn inside each other


class TooLargeError(Exception):
    """The PDF is beyond the gate's bounds."""


@dataclass
class Inspection:
    """What the gate found: problems (plain sentences) and the embedded fonts."""

    problems: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)  # PostScript names, sorted

    @property
    def ok(self) -> bool:
        return not self.problems


def conformance_problems(
    pdf: bytes | pikepdf.Pdf, *, allowed_fonts: Iterable[str | Path] | None = None
) -> list[str]:
    """The non-conformances the gate finds in `pdf` (empty: none found).

    `allowed_fonts`: font files (Path), and PostScript or family names (str)
    the PDF may embed; None skips that check. Raises CheckError only if `pdf` is bytes
    that are not a readable PDF.
    """
    return inspect(pdf, allowed_fonts=allowed_fonts).problems


def require_conformance(
    pdf: bytes | pikepdf.Pdf,
    *,
    allowed_fonts: Iterable[str | Path] | None = None,
    path: Path | str | None = None,
) -> None:
    """Raise RenderError (exit 5: archival finishing failed) naming what the gate found."""
    problems = conformance_problems(pdf, allowed_fonts=allowed_fonts)
    if problems:
        raise RenderError(
            "the PDF would not conform to PDF/A and PDF/UA: " + "; ".join(problems), path=path
        )


def inspect(
    pdf: bytes | pikepdf.Pdf,
    *,
    allowed_fonts: Iterable[str | Path] | None = None,
    bounds: Bounds | None = None,
) -> Inspection:
    """Run the gate; see the module docstring for what it checks."""
    if isinstance(pdf, pikepdf.Pdf):
        return _Gate(pdf, allowed_fonts, bounds or Bounds()).run()
    with open_pdf(pdf) as opened:
        return _Gate(opened, allowed_fonts, bounds or Bounds()).run()


# ---------------------------------------------------------------------------


def _type(obj: object) -> ObjectType | None:
    return obj._type_code if isinstance(obj, pikepdf.Object) else None


def _name(obj: object) -> str | None:
    return str(obj) if _type(obj) == ObjectType.name_ else None


def _key(obj: pikepdf.Object) -> tuple[int, int] | int:
    return obj.objgen if obj.is_indirect else id(obj)


def _text_chars(text: str) -> str:
    """Code points as U+XXXX, with the character itself where it is printable."""
    return ", ".join(
        f"U+{ord(ch):04X}" + (f" {ch!r}" if ch.isprintable() and not _is_pua(ord(ch)) else "")
        for ch in text
    )


def _sample(items: Iterable[str], most: int = 8) -> str:
    items = list(items)
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _pages_text(pages: Iterable[int]) -> str:
    pages = sorted(set(pages))
    word = "page" if len(pages) == 1 else "pages"
    return f"{word} {_sample([str(p) for p in pages], 6)}"


@dataclass
class _Font:
    label: str  # e.g. "Rijk-Sans (DejaVuSans)"
    program: str | None  # PostScript name of the embedded program
    two_byte: bool  # a Type0 font with 2-byte codes (Identity-H/V or such a CMap)
    encoding: Encoding | None  # code → CID; None: Identity (the code is the CID)
    gid_of: bytes | None  # a CIDToGIDMap stream's data, None for /Identity
    glyphs: int | None  # glyph count of the program
    tounicode: ToUnicode | None
    used: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # page → codes
    used_plain: set[int] = field(default_factory=set)  # codes shown outside ActualText

    def gid(self, code: int) -> int:
        """The glyph a code selects (0: .notdef)."""
        cid = self.encoding.cid(code) if self.encoding is not None else code
        if self.gid_of is None:
            return cid
        at = 2 * cid
        return int.from_bytes(self.gid_of[at : at + 2], "big") if at + 2 <= len(self.gid_of) else 0


class _Gate:
    fast_content = True  # read ordinary content streams by regular expressions

    def __init__(
        self, pdf: pikepdf.Pdf, allowed: Iterable[str | Path] | None, bounds: Bounds
    ) -> None:
        self.pdf = pdf
        self.bounds = bounds
        self.allowed = None if allowed is None else _allowed_names(allowed)
        self.steps = 0
        self.decoded = 0
        self.found: dict[str, list[str]] = defaultdict(list)  # kind → details
        self.fonts: dict[tuple[int, int] | int, _Font] = {}
        self.walked_forms: set[tuple[int, int] | int] = set()
        self.output_components: int | None = None
        self.device: dict[str, set[str]] = defaultdict(set)  # device space → where used
        self.scratch: pikepdf.Pdf | None = None

    # -- entry ----------------------------------------------------------------

    def run(self) -> Inspection:
        try:
            self.output_components = self._output_intent()
            self._objects()
            self._pages()
            for space, places in sorted(self.device.items()):
                for where in sorted(places):
                    self._colour_space(pikepdf.Name(space), f"colour on {where}")
        except TooLargeError as exc:
            self.found["size"].append(str(exc))
        except PDF_ERRORS as exc:
            self.found["damaged"].append(describe(exc))
        finally:
            if self.scratch is not None:
                self.scratch.close()
        return Inspection(self._problems(), self._font_names())

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.bounds.steps:
            raise TooLargeError(
                f"too large to check: more than {self.bounds.steps:,} objects and operators"
            )

    def decode(self, stream: pikepdf.Object) -> bytes:
        try:
            data = read_stream(stream, self.bounds.stream_bytes)
        except StreamTooLargeError as exc:
            raise TooLargeError(f"too large to check: {exc}") from None
        self.decoded += len(data)
        if self.decoded > self.bounds.total_bytes:
            raise TooLargeError(
                f"too large to check: streams decode to more than {self.bounds.total_bytes} bytes"
            )
        return data

    # -- output intent and colour ---------------------------------------------

    def _output_intent(self) -> int | None:
        intents = self.pdf.Root.get("/OutputIntents")
        if _type(intents) != ObjectType.array:
            return None
        for intent in list(intents)[:16]:
            intent = as_dict(intent)
            if intent is None or intent.get("/S") != pikepdf.Name.GTS_PDFA1:
                continue
            profile = as_dict(intent.get("/DestOutputProfile"))
            if profile is not None:
                n = profile.get("/N")
                return int(n) if isinstance(n, int) else None
        return None

    def _colour_space(self, space: object, where: str, depth: int = 0) -> None:
        """Report device or ICC colour whose components do not match the output intent."""
        if depth > 4:
            return
        name = _name(space)
        if name in DEVICE_SPACES and self.output_components is None:
            self.found["no-intent"].append(where)
            return
        if name is not None:
            if name in ("/DeviceCMYK", "/CMYK") and self.output_components != 4:
                self.found["cmyk"].append(where)
            elif name in ("/DeviceRGB", "/RGB") and self.output_components not in (3, None):
                self.found["rgb"].append(where)
            return
        if _type(space) != ObjectType.array or len(space) == 0:  # type: ignore[arg-type]
            return
        family = _name(space[0])  # type: ignore[index]
        if family == "/ICCBased" and len(space) > 1:  # type: ignore[arg-type]
            profile = as_dict(space[1])  # type: ignore[index]
            if profile is not None and profile.get("/N") == 4 and self.output_components != 4:
                self.found["icc-cmyk"].append(where)
        elif family == "/Indexed" and len(space) > 1:  # type: ignore[arg-type]
            self._colour_space(space[1], where, depth + 1)  # type: ignore[index]
        elif family in ("/Separation", "/DeviceN") and len(space) > 2:  # type: ignore[arg-type]
            self._colour_space(space[2], where, depth + 1)  # type: ignore[index]

    # -- every object: limits, text strings, colour spaces, fonts --------------

    def _objects(self) -> None:
        """Every indirect object, read from qpdf's serialisation.

        One call per object, then one scan over all of them: a regular
        expression over bytes costs far less than a Python loop over objects.
        """
        objects = self.pdf.objects
        if len(objects) > MAX_OBJECTS:
            self.found["limits"].append(f"more than {MAX_OBJECTS} objects")
        parts: list[bytes] = []
        starts: list[int] = []
        tops: list[pikepdf.Object] = []
        size = 0
        for top in objects:
            self.tick()
            if not isinstance(top, pikepdf.Object):
                self._scalar(top, "an object")
                continue
            body = top.stream_dict if top._type_code == ObjectType.stream else top
            raw = body.unparse(resolved=True)
            starts.append(size)
            parts.append(raw)
            tops.append(top)
            size += len(raw) + 1
            if size > self.bounds.total_bytes:
                raise TooLargeError(
                    f"too large to check: objects take more than {self.bounds.total_bytes} bytes"
                )
        everything = b"\n".join(parts)

        def label(offset: int) -> str:
            return f"object {tops[bisect_right(starts, offset) - 1].objgen[0]}"

        self._serialised_limits(everything, label)
        marked = {bisect_right(starts, m.start()) - 1 for m in _KEYS_TO_READ.finditer(everything)}
        for index in sorted(marked):
            self._keys(tops[index], f"object {tops[index].objgen[0]}")

    def _serialised_limits(self, raw: bytes, where: str | Callable[[int], str]) -> None:
        """Strings, names and numbers beyond the limits, found in serialised PDF."""
        found = self.found

        def at(offset: int) -> str:
            return where(offset) if callable(where) else where

        if len(raw) > MAX_STRING and _long_string_possible(raw):
            for match in _LONG_STRING.finditer(raw):
                string = match.group()
                body = string[1:-1]
                if string[:1] == b"<":
                    length = len(b"".join(body.split())) // 2
                else:
                    length = len(_literal(body))
                if length > MAX_STRING:
                    found["string"].append(at(match.start()))
        if not (b"/" in raw and _LONG_NAME.search(raw)) and not _long_numbers(raw):
            return
        # Only now strings are blanked out (their length kept where offsets
        # name objects), so that digits or slashes inside text are not read as
        # numbers or names.
        if callable(where):
            bare = _STRING.sub(lambda m: b"(" + b" " * (len(m.group()) - 2) + b")", raw)
        else:
            bare = _STRING.sub(b"()", raw)
        for match in _LONG_NAME.finditer(bare):
            if len(_NAME_ESCAPE.sub(b"#", match.group())) - 1 > MAX_NAME:
                found["name"].append(at(match.start()))
        for start in _long_numbers(bare):
            number = _number_at(bare, start)
            if number is not None:
                self._number_token(number, at(start))

    def _keys(self, top: pikepdf.Object, label: str) -> None:
        """Dictionaries (direct ones inside `top` too) with text, colour or a font."""
        stack: list[object] = [top]
        while stack:
            obj = stack.pop()
            self.tick()
            kind = _type(obj)
            if kind in (ObjectType.dictionary, ObjectType.stream):
                self._dictionary(obj, label)  # type: ignore[arg-type]
                values = obj.values()  # type: ignore[union-attr]
            elif kind == ObjectType.array:
                values = obj  # type: ignore[assignment]
            else:
                continue
            for value in values:
                if _type(value) in _CONTAINERS and not value.is_indirect:
                    stack.append(value)

    def _dictionary(self, obj: pikepdf.Object, label: str) -> None:
        # pikepdf takes three times as long to say a key is missing as to
        # read it, and most of these keys are missing: ask for the keys once.
        keys = frozenset(obj.keys())

        def get(key: str) -> object:
            return obj.get(key) if key in keys else None

        # ActualText replaces the text a reader extracts (on structure
        # elements here, in marked content on the pages).
        value = get("/ActualText")
        if _type(value) == ObjectType.string:
            self._text(str(value), f"ActualText of {label}")
        space = get("/ColorSpace")
        if space is not None:
            where = "an image" if get("/Subtype") == _IMAGE else label
            resources = as_dict(space)
            if resources is not None:  # a resource dictionary of named spaces
                for item in list(resources.values())[:256]:
                    self._colour_space(item, where)
            else:
                self._colour_space(space, where)
        group = as_dict(get("/Group"))
        if group is not None and group.get("/CS") is not None:
            self._colour_space(group.get("/CS"), f"the transparency group of {label}")
        if (
            get("/Type") == _FONT
            and obj.is_indirect
            and get("/Subtype") not in CID_FONTS  # seen through their Type0 parent
        ):
            self._font(obj)

    def _scalar(self, value: object, where: str) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            if not MIN_INT <= value <= MAX_INT:
                self.found["integer"].append(where)
        elif isinstance(value, Decimal):
            magnitude = abs(value)
            if magnitude > MAX_REAL:
                self.found["real"].append(where)
            elif magnitude and magnitude < MIN_REAL:
                self.found["tiny"].append(where)
        elif isinstance(value, pikepdf.Object):
            kind = value._type_code
            if kind == ObjectType.string and len(bytes(value)) > MAX_STRING:
                self.found["string"].append(where)
            elif kind == ObjectType.name_ and _name_length(value) > MAX_NAME:
                self.found["name"].append(where)

    def _text(self, text: str, where: str) -> None:
        bad = sorted({ch for ch in text if ord(ch) in BAD_TEXT}, key=ord)
        if bad:
            self.found["text"].append(f"{where}: {_text_chars(''.join(bad))}")

    # -- fonts ------------------------------------------------------------------

    def _font(self, font: pikepdf.Object) -> _Font:
        key = _key(font)
        known = self.fonts.get(key)
        if known is not None:
            return known
        subtype = font.get("/Subtype")
        base = str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/")
        shown = base.split("+", 1)[1] if len(base) > 7 and base[6] == "+" else base
        descendant = font
        two_byte, encoding = False, None
        if subtype == pikepdf.Name.Type0:
            fonts = font.get("/DescendantFonts")
            first = fonts[0] if _type(fonts) == ObjectType.array and len(fonts) else None
            descendant = as_dict(first) or font
            cmap = font.get("/Encoding")
            if _name(cmap) in ("/Identity-H", "/Identity-V"):
                two_byte = True
            elif _type(cmap) == ObjectType.stream:
                encoding = Encoding(self.decode(cmap))
                two_byte = encoding.two_byte
        program, data = None, None
        descriptor = as_dict(descendant.get("/FontDescriptor"))
        if descriptor is not None:
            for key_name in ("/FontFile2", "/FontFile3", "/FontFile"):
                stream = descriptor.get(key_name)
                if _type(stream) == ObjectType.stream:
                    data = self.decode(stream)
                    program = program_name(data)
                    break
        gid_of = None
        cid_map = descendant.get("/CIDToGIDMap")
        if _type(cid_map) == ObjectType.stream:
            gid_of = self.decode(cid_map)
        tounicode = None
        stream = font.get("/ToUnicode")
        if _type(stream) == ObjectType.stream:
            tounicode = ToUnicode(self.decode(stream))
        label = shown if program in (None, shown) else f"{shown} ({program})"
        if data is None and subtype != pikepdf.Name.Type3:
            self.found["not-embedded"].append(label)
        info = _Font(
            label=label,
            program=program,
            two_byte=two_byte,
            encoding=encoding,
            gid_of=gid_of,
            glyphs=glyph_count(data) if data is not None else None,
            tounicode=tounicode,
        )
        if self.allowed is not None and subtype != pikepdf.Name.Type3:
            family = descriptor.get("/FontFamily") if descriptor is not None else None
            family = str(family) if _type(family) == ObjectType.string else None
            names = {program or shown, shown, family} - {None}
            if not names & self.allowed:
                self.found["font"].append(label)
        elif self.allowed is not None:
            self.found["font"].append(f"{label} (a Type 3 font)")
        self.fonts[key] = info
        return info

    def _font_names(self) -> list[str]:
        return sorted({f.program or f.label for f in self.fonts.values()})

    # -- pages and content streams -----------------------------------------------

    def _pages(self) -> None:
        for number, page in enumerate(self.pdf.pages, start=1):
            self.tick()
            obj = page.obj
            keys = obj.keys()  # most page boxes are absent: asking for each costs more
            for box in PAGE_BOXES:
                if box in keys:
                    self._box(obj.get(box), number, box)
            resources = as_dict(_inherited(obj, "/Resources"))
            contents = obj.get("/Contents")
            streams: list[pikepdf.Object] = []
            if _type(contents) == ObjectType.stream:
                streams = [contents]
            elif _type(contents) == ObjectType.array:
                streams = [s for s in list(contents)[:4096] if _type(s) == ObjectType.stream]
            data = b"\n".join(self.decode(s) for s in streams)
            self._content(data, resources, number, [], depth=0)
            annots = obj.get("/Annots")
            if _type(annots) == ObjectType.array:
                for annot in list(annots)[:4096]:
                    self.tick()
                    annot = as_dict(annot)
                    # A link has no appearance: its keys say so at a third of the cost.
                    appearance = as_dict(annot.get("/AP")) if annot and "/AP" in annot else None
                    if appearance is None:
                        continue
                    normal = appearance.get("/N")
                    forms = (
                        [normal]
                        if _type(normal) == ObjectType.stream
                        else list(as_dict(normal).values())[:64]
                        if as_dict(normal) is not None
                        else []
                    )
                    for form in forms:
                        if _type(form) == ObjectType.stream:
                            self._form(form, resources, number, [], depth=0)

    def _box(self, box: object, page: int, name: str) -> None:
        if _type(box) != ObjectType.array or len(box) != 4:  # type: ignore[arg-type]
            return
        try:
            x0, y0, x1, y1 = (float(v) for v in box)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            return
        if not (3 <= abs(x1 - x0) <= 14400 and 3 <= abs(y1 - y0) <= 14400):
            self.found["box"].append(f"{name[1:]} of page {page}")

    def _form(
        self,
        form: pikepdf.Object,
        outer: pikepdf.Object | None,
        page: int,
        chain: list[tuple[int, int] | int],
        depth: int,
    ) -> None:
        key = _key(form)
        if key in chain:
            self.found["cycle"].append(f"page {page}")
            return
        if depth >= self.bounds.form_depth:
            self.found["deep"].append(f"page {page}")
            return
        if key in self.walked_forms:
            return
        self.walked_forms.add(key)
        resources = as_dict(form.get("/Resources")) or outer
        self._content(self.decode(form), resources, page, [*chain, key], depth + 1)

    def _content(
        self,
        data: bytes,
        resources: pikepdf.Object | None,
        page: int,
        chain: list[tuple[int, int] | int],
        depth: int,
    ) -> None:
        if not data.strip():
            return
        if self.fast_content and self._content_fast(data, resources, page, chain, depth):
            return
        instructions = self._instructions(data)
        where = f"page {page}"
        # Strings, names and numbers are checked on the stream's bytes at once
        # (C speed), unless inline image data could look like them.
        per_operand = b"BI" in data and _INLINE_IMAGE.search(data) is not None
        if not per_operand:
            self._serialised_limits(data, where)
        font: _Font | None = None
        saved: list[_Font | None] = []
        marked: list[bool] = []  # per open marked-content sequence: inside ActualText?
        actual = False

        def resource(category: str, name: object) -> object:
            table = as_dict(resources.get(category)) if resources is not None else None
            return table.get(name) if table is not None and _name(name) else None

        found = self.found
        device = self.device
        fonts: dict[str, _Font | None] = {}
        # Marked content can carry ActualText inline or through /Properties.
        actual_text_possible = b"ActualText" in data or (
            resources is not None and "/Properties" in resources
        )
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                image = instruction.iimage.obj
                self._colour_space(image.get("/CS", image.get("/ColorSpace")), "an inline image")
                continue
            op = str(instruction.operator)
            if op not in OPERATORS:
                found["operator"].append(f"{op[:20]!r} on {where}")
                continue
            if per_operand:
                for operand in instruction.operands:
                    self._operand(operand, op, where)
            elif op not in _OPERANDS_NEEDED or (op == "BDC" and not actual_text_possible):
                # Most operators only need counting: reading their operands
                # (numbers become Decimals) would cost more than all the rest.
                if op == "q":
                    saved.append(font)
                    if len(saved) == MAX_Q_DEPTH + 1:
                        found["nesting"].append(where)
                elif op == "Q":
                    font = saved.pop() if saved else font
                elif op == "EMC":
                    actual = marked.pop() if marked else False
                elif op in ("BMC", "BDC"):
                    marked.append(actual)
                elif op in _DEVICE_OPERATORS:
                    device[_DEVICE_OPERATORS[op]].add(where)
                continue
            operands = instruction.operands
            if op == "TJ":
                if font is not None and operands and _type(operands[0]) == ObjectType.array:
                    self._show_array(font, operands[0], page, actual)
            elif op == "Tf" and operands:
                name = str(operands[0])
                if name not in fonts:
                    font_obj = as_dict(resource("/Font", operands[0]))
                    fonts[name] = self._font(font_obj) if font_obj is not None else None
                font = fonts[name]
            elif op in ("Tj", "'", '"') and operands:
                shown = operands[-1]
                if font is not None and _type(shown) == ObjectType.string:
                    self._show(font, bytes(shown), page, actual)
            elif op == "BDC":
                props = None
                if len(operands) >= 2:
                    props = as_dict(operands[1]) or as_dict(resource("/Properties", operands[1]))
                text = props.get("/ActualText") if props is not None else None
                if _type(text) == ObjectType.string:
                    self._text(str(text), f"ActualText on {where}")
                marked.append(actual)
                actual = actual or text is not None
            elif op in ("cs", "CS") and operands:
                space = resource("/ColorSpace", operands[0]) or operands[0]
                self._colour_space(space, f"colour on {where}")
            elif op == "Do" and operands:
                xobject = resource("/XObject", operands[0])
                if _type(xobject) == ObjectType.stream and xobject.get("/Subtype") == FORM:  # type: ignore[union-attr]
                    self._form(xobject, resources, page, chain, depth)  # type: ignore[arg-type]
            else:  # per_operand: the same bookkeeping as above
                if op == "q":
                    saved.append(font)
                    if len(saved) == MAX_Q_DEPTH + 1:
                        found["nesting"].append(where)
                elif op == "Q":
                    font = saved.pop() if saved else font
                elif op == "EMC":
                    actual = marked.pop() if marked else False
                elif op == "BMC":
                    marked.append(actual)
                elif op in _DEVICE_OPERATORS:
                    device[_DEVICE_OPERATORS[op]].add(where)

    def _content_fast(
        self,
        data: bytes,
        resources: pikepdf.Object | None,
        page: int,
        chain: list[tuple[int, int] | int],
        depth: int,
    ) -> bool:
        """The same checks as `_content`, by regular expressions over the bytes.

        Only for content as PDF writers such as WeasyPrint produce it: hex
        strings only, no inline images, no marked content that could carry
        ActualText. Anything else returns False and goes the general way.
        Tests check that both ways find the same.
        """
        if (
            b"(" in data
            or b"ActualText" in data
            or (b"BI" in data and _INLINE_IMAGE.search(data))
            or (resources is not None and "/Properties" in resources)
        ):
            return False
        where = f"page {page}"
        # Without hex strings and names, every word is an operator (or true,
        # false, null); a token that starts like a number but is none (1.5e3)
        # is what qpdf would read as an unknown operator too.
        bare = _NAME_TOKEN.sub(b" ", _HEX_RUN.sub(b" ", data))
        words = _WORD.findall(bare)
        self.tick(len(words))
        self._serialised_limits(data, where)
        found = self.found
        present = set(words)
        unknown = present - _KNOWN_WORDS
        if _BAD_NUMBER_HINT.search(bare):  # a digit glued to a letter: look closer
            unknown.update(match.group() for match in _BAD_NUMBER.finditer(bare))
        for token in sorted(unknown):
            found["operator"].append(f"{token.decode('latin-1')[:20]!r} on {where}")
        for token, space in _DEVICE_TOKENS.items():
            if token in present:
                self.device[space].add(where)
        # Nesting deeper than the limit needs more q than the limit; the
        # running level is summed at C speed (map, accumulate, max).
        if (
            b"q" in present
            and words.count(b"q") > MAX_Q_DEPTH
            and max(accumulate(map(_Q_STEP.get, words, repeat(0)))) > MAX_Q_DEPTH
        ):
            found["nesting"].append(where)

        def resource(category: str, name: bytes) -> object:
            table = as_dict(resources.get(category)) if resources is not None else None
            return table.get("/" + name.decode("latin-1")) if table is not None else None

        # Text: the font in force for each string shown (Tf, and q/Q that
        # restore it); the strings of each font are decoded together.
        fonts: dict[bytes, _Font | None] = {}
        font_name: bytes | None = None
        saved: list[bytes | None] = []
        shown: dict[bytes, list[bytes]] = defaultdict(list)
        for match in _TEXT_EVENT.finditer(data):
            name, array, string = match.groups()
            if match.lastindex is None:  # q or Q (no group: see _TEXT_EVENT)
                if match.group() == b"q":
                    saved.append(font_name)
                elif saved:
                    font_name = saved.pop()
            elif name is not None:
                font_name = name
            elif font_name is not None:
                shown[font_name].append(array if array is not None else b"<" + string + b">")
        odd = _odd_hex(data)  # a string that is not whole 2-byte codes
        for name, arrays in shown.items():
            if name not in fonts:
                font_obj = as_dict(resource("/Font", name))
                fonts[name] = self._font(font_obj) if font_obj is not None else None
            font = fonts[name]
            if font is None:
                continue
            blob = b"".join(arrays)
            if odd:
                digits = b"".join(h[: len(h) // 4 * 4] for h in _HEX.findall(blob))
            else:  # "<002a>0<0048>…<0003>" → "002a0048…0003"
                body = blob[blob.find(b"<") + 1 : blob.rfind(b">")]
                if b">>" not in body.translate(None, _ALL_BUT_ANGLES):
                    # Every ">" is the first after a "<", so each `>0<` (a
                    # kerning of 0, most of a TJ array) is a whole match of
                    # _BETWEEN_HEX: removed at C speed, the rest as before.
                    body = body.replace(b">0<", b"")
                digits = _BETWEEN_HEX.sub(b"", body)
            self._show(font, bytes.fromhex(digits.decode("latin-1")), page, False)
        if b"cs" in present or b"CS" in present:
            for match in _SET_SPACE.finditer(data):
                name = match.group(1)
                space = resource("/ColorSpace", name) or pikepdf.Name("/" + name.decode("latin-1"))
                self._colour_space(space, f"colour on {where}")
        if b"Do" in present:
            for match in _DRAW.finditer(data):
                xobject = resource("/XObject", match.group(1))
                if _type(xobject) == ObjectType.stream and xobject.get("/Subtype") == FORM:  # type: ignore[union-attr]
                    self._form(xobject, resources, page, chain, depth)  # type: ignore[arg-type]
        return True

    def _instructions(self, data: bytes) -> Iterator[object]:
        """The instructions of a content stream, parsed a piece at a time.

        qpdf turns each operator into Python objects (about 400 bytes each):
        parsing a large stream whole would hold millions of them at once.
        """
        if self.scratch is None:
            self.scratch = pikepdf.new()
        start = 0
        while start < len(data):
            end = min(start + CHUNK, len(data))
            if end < len(data):
                cut = data.rfind(b"\n", start, end)  # one operator a line, as PDF writers do
                if cut <= start:
                    cut = max(data.rfind(b" ", start, end), data.rfind(b"\r", start, end))
                if cut <= start:
                    raise TooLargeError("too large to check: a content stream without line breaks")
                end = cut + 1
            instructions = pikepdf.parse_content_stream(
                pikepdf.Stream(self.scratch, data[start:end])
            )
            self.tick(len(instructions))
            yield from instructions
            start = end

    def _operand(self, operand: object, op: str, where: str) -> None:
        """Limits of one operand: a number, a string, a name, an array, a dictionary."""
        if operand is None:
            self.found["number"].append(f"{op!r} on {where}")
            return
        kind = _type(operand)
        if kind == ObjectType.array:
            items = list(operand)[:65536]  # type: ignore[call-overload]
        elif kind == ObjectType.dictionary:
            items = list(operand.values())[:4096]  # type: ignore[union-attr]
        else:
            items = [operand]
        for item in items:
            if item is None:
                self.found["number"].append(f"{op!r} on {where}")
            else:
                self._scalar(item, where)

    def _show_array(self, font: _Font, shown: pikepdf.Object, page: int, actual: bool) -> None:
        """TJ: the strings to show, read from qpdf's serialisation of the array
        (ten times faster than touching each element through pikepdf)."""
        raw = shown.unparse()
        if b"(" in raw:  # literal strings (qpdf writes binary strings as hex)
            parts = [
                bytes.fromhex(m.group(1).decode()) if m.lastindex == 1 else _literal(m.group(2))
                for m in _STRING_PARTS.finditer(raw)
            ]
            data = b"".join(part[: len(part) - len(part) % 2] for part in parts)
        else:
            hexes = _HEX.findall(raw)
            if {len(h) % 4 for h in hexes} <= {0}:  # whole two-byte codes, as we write them
                data = bytes.fromhex(b"".join(hexes).decode())
            else:
                data = b"".join(bytes.fromhex(h.decode())[: len(h) // 4 * 2] for h in hexes)
        if data:
            self._show(font, data, page, actual)

    def _number_token(self, number: bytes, where: str) -> None:
        """A long number as written: report it if beyond the limits."""
        try:
            value = Decimal(number.decode())
        except ArithmeticError:
            return
        if b"." not in number:
            if not MIN_INT <= value <= MAX_INT:
                self.found["integer"].append(where)
        elif not -MAX_REAL <= value <= MAX_REAL:
            self.found["real"].append(where)
        elif value and -MIN_REAL < value < MIN_REAL:
            self.found["tiny"].append(where)

    def _show(self, font: _Font, data: bytes, page: int, actual: bool) -> None:
        if not font.two_byte:
            return  # simple fonts and other CMaps: not what we embed; not checked
        codes = array("H", data[: len(data) - len(data) % 2])
        if sys.byteorder == "little":
            codes.byteswap()
        font.used[page].update(codes)
        if not actual:
            font.used_plain.update(codes)

    # -- the report ---------------------------------------------------------------

    def _glyph_problems(self) -> list[str]:
        problems = []
        for font in sorted(self.fonts.values(), key=lambda f: f.label):
            if not font.used:
                continue
            all_codes = set().union(*font.used.values())
            missing = {
                code
                for code in all_codes
                if (gid := font.gid(code)) == 0 or (font.glyphs is not None and gid >= font.glyphs)
            }

            def describe_code(code: int, font: _Font = font) -> str:
                text = font.tounicode.get(code) if font.tounicode is not None else None
                return _text_chars(text) if text else f"code 0x{code:04X}"

            if missing:
                pages = [p for p, codes in font.used.items() if codes & missing]
                problems.append(
                    f"characters the font {font.label} has no glyph for, drawn as "
                    f"empty boxes (.notdef) on {_pages_text(pages)}: "
                    + _sample([describe_code(c) for c in sorted(missing)])
                )
            if font.tounicode is None:
                problems.append(f"text in font {font.label} has no Unicode mapping (ToUnicode)")
                continue
            unmapped, bad, private = [], [], []
            for code in sorted(all_codes):
                text = font.tounicode.get(code)
                if not text:
                    unmapped.append(f"0x{code:04X}")
                    continue
                if not _BAD_CHARS.isdisjoint(text):
                    bad.append(code)
                elif code in font.used_plain and any(_is_pua(ord(ch)) for ch in text):
                    private.append(code)
            if unmapped:
                problems.append(
                    f"character codes without a Unicode mapping in font {font.label}: "
                    + _sample(unmapped)
                )
            if bad:
                problems.append(
                    f"text in font {font.label} maps to separators or control characters: "
                    + _sample([describe_code(c) for c in bad])
                )
            if private:
                problems.append(
                    f"text in font {font.label} maps to the Private Use Area without "
                    f"ActualText: " + _sample([describe_code(c) for c in private])
                )
        return problems

    def _problems(self) -> list[str]:
        found = self.found
        problems: list[str] = []
        damaged = found.pop("damaged", [])
        too_large = found.pop("size", [])
        problems.extend(f"damaged PDF: {d}" for d in damaged[:1])
        problems.extend(too_large[:1])
        if not damaged and not too_large:
            problems.extend(self._glyph_problems())
        messages = {
            "no-intent": "device colour without a PDF/A output intent: {}",
            "text": "separators or control characters in text: {}",
            "cmyk": "DeviceCMYK colour in a document whose output intent is not CMYK: {}",
            "icc-cmyk": "a CMYK colour space (ICC-based) in a document whose output intent "
            "is RGB: {}",
            "rgb": "DeviceRGB colour in a document whose output intent is not RGB: {}",
            "string": f"strings longer than the PDF/A limit of {MAX_STRING} bytes: {{}}",
            "name": f"names longer than the PDF/A limit of {MAX_NAME} bytes: {{}}",
            "integer": "integers beyond the PDF/A limit of ±2147483647: {}",
            "real": "real numbers beyond the PDF/A limit of ±3.403e38: {}",
            "tiny": "real numbers closer to zero than the PDF/A limit of ±1.175e-38: {}",
            "number": "numbers too large for PDF to store (or null) as operands: {}",
            "nesting": f"q/Q nested deeper than the PDF/A limit of {MAX_Q_DEPTH}: {{}}",
            "box": "page boxes outside the PDF/A limits of 3 to 14400 units: {}",
            "limits": "{}",
            "operator": "operators that PDF does not define: {}",
            "cycle": "a form XObject that draws itself (a reference cycle): {}",
            "deep": f"form XObjects nested more than {self.bounds.form_depth} deep: {{}}",
            "not-embedded": "fonts not embedded: {}",
            "font": "embedded fonts that are not the expected ones: {}",
        }
        for kind, template in messages.items():
            details = list(dict.fromkeys(found.get(kind, [])))
            if details:
                problems.append(template.format(_sample(details, 4)))
        return problems


# Serialised objects and content streams (qpdf escapes parentheses inside the
# literal strings it writes; a content stream may nest them, which only hides
# a little of such a string from these checks).
_STRING = re.compile(rb"\((?:[^\\)]|\\.)*\)|<[0-9A-Fa-f\s]*>", re.DOTALL)
_STRING_PARTS = re.compile(rb"<([0-9A-Fa-f]*)>|\(((?:[^\\)]|\\.)*)\)", re.DOTALL)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_LONG_NAME = re.compile(rb"/[^\s/\[\]<>(){}%]{128,}")
_NAME_ESCAPE = re.compile(rb"#[0-9A-Fa-f]{2}")
# Integers of 10 digits or more, reals of 39 characters or more: nothing
# shorter can pass a limit. Candidates only; `_number_at` reads the token.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_NUMBER_CHARS_AS_ZERO = bytes.maketrans(b"0123456789.", b"0" * 11)
_NOT_ZERO = re.compile(rb"[^0]")
_DELIMITERS = frozenset(b" \t\r\n\f\x00[]<>(){}/%")
_LONG_STRING = re.compile(rb"\((?:[^\\)]|\\.){32768,}\)|<[0-9A-Fa-f\s]{65535,}>", re.DOTALL)
# Patterns start with what they match, and look behind only after it: a
# pattern that starts by looking behind is tried at every byte, one that
# starts with a literal or a class is found by a quick scan (2-30x faster).
_INLINE_IMAGE = re.compile(rb"BI(?<![^\s\]>)}]BI)(?![^\s/\[<(])")
_KEYS_TO_READ = re.compile(rb"/(?:ActualText|ColorSpace|CS) *[(<\[/0-9]|/Type */Font\b")
_CONTAINERS = (ObjectType.dictionary, ObjectType.array)
# Content streams read the fast way (no literal strings, no inline images):
# an operator is a regular token that is not a number and not a name.
_REGULAR = rb"[^\s\[\]<>(){}/%]"
_NOT_DELIMITER = rb"[^\s\[\]<>(){}%]"  # a token cannot start right after one of these
_WORD_START = rb"[^\s\[\]<>(){}%/0-9.+-]"
# Hex strings with the numbers and spaces between them (a TJ array's
# `<002a>0<0048>-120<0044>`) as one match, not one per glyph: those numbers
# are delimited by the strings, so they can be no operator and no malformed
# number, and blanking them with the strings leaves the same words.
_HEX_RUN = re.compile(rb"<[0-9A-Fa-f\s]*>(?:[-+.0-9\s]*<[0-9A-Fa-f\s]*>)*")
_HEX_AS_H = bytes.maketrans(b"0123456789ABCDEFabcdef", b"h" * 22)
_BETWEEN_HEX = re.compile(rb">[^<]*<")
_ALL_BUT_ANGLES = bytes(b for b in range(256) if b not in b"<>")
_NAME_TOKEN = re.compile(rb"/" + _REGULAR + rb"*")
_WORD = re.compile(_WORD_START + rb"(?<!" + _NOT_DELIMITER + _WORD_START + rb")" + _REGULAR + rb"*")
_BAD_NUMBER_HINT = re.compile(rb"[0-9.][^\s\[\]<>(){}%/0-9.+-]")
_BAD_NUMBER = re.compile(
    rb"[-+.0-9](?<!"
    + _NOT_DELIMITER
    + rb"[-+.0-9])[-+.0-9]*[^\s\[\]<>(){}%/\-+.0-9]"
    + _REGULAR
    + rb"*"
)
_Q_STEP = {b"q": 1, b"Q": -1}
_KNOWN_WORDS = frozenset(op.encode() for op in OPERATORS) | {b"true", b"false", b"null"}
_DEVICE_TOKENS = {
    b"rg": "/DeviceRGB",
    b"RG": "/DeviceRGB",
    b"k": "/DeviceCMYK",
    b"K": "/DeviceCMYK",
    b"g": "/DeviceGray",
    b"G": "/DeviceGray",
}
_TEXT_EVENT = re.compile(
    rb"/(" + _REGULAR + rb"+)\s+[-+0-9.]+\s+Tf(?!" + _REGULAR + rb")"
    rb"|\[([^\]]*)\]\s*TJ(?!" + _REGULAR + rb")"
    rb"|<([0-9A-Fa-f\s]*)>\s*(?:Tj|'|\")(?!" + _REGULAR + rb")"
    # q and Q as two branches without a group: every branch then starts with
    # a literal byte, and the engine skips to the next "/", "[", "<", "q" or
    # "Q" instead of trying each branch at every byte (3x faster).
    rb"|q(?<!" + _NOT_DELIMITER + rb"q)(?!" + _REGULAR + rb")"
    rb"|Q(?<!" + _NOT_DELIMITER + rb"Q)(?!" + _REGULAR + rb")"
)
_SET_SPACE = re.compile(rb"/(" + _REGULAR + rb"+)\s+(?:cs|CS)(?!" + _REGULAR + rb")")
_DRAW = re.compile(rb"/(" + _REGULAR + rb"+)\s+Do(?!" + _REGULAR + rb")")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _long_string_possible(raw: bytes) -> bool:
    """Whether `_LONG_STRING` can match at all, decided at C speed: a hex string
    of 65535 digits needs as many bytes; a literal one of 32768 bytes without
    escapes needs as long a stretch without ")" (with escapes, always ask)."""
    return len(raw) > 65536 or b"\\" in raw or max(map(len, raw.split(b")"))) > MAX_STRING


def _odd_hex(data: bytes) -> bool:
    """Whether a hex string (without spaces) has a digit count that is no multiple
    of 4, as `<(?:[0-9A-Fa-f]{4})*[0-9A-Fa-f]{1,3}>` finds, at C speed: with hex
    digits as "h", runs of four removed, such a string is `<h>`, `<hh>` or `<hhh>`."""
    mapped = data.translate(_HEX_AS_H).replace(b"hhhh", b"")
    return b"<h>" in mapped or b"<hh>" in mapped or b"<hhh>" in mapped


def _long_numbers(data: bytes, limit: int = 64) -> list[int]:
    """Where runs of 10 digits, or of 39 digits and dots, start (at most `limit`).

    bytes.translate and bytes.find run at C speed; a regular expression
    over the same bytes costs ten times more.
    """
    found: list[int] = []
    for table, width in ((_DIGITS_AS_ZERO, 10), (_NUMBER_CHARS_AS_ZERO, 39)):
        mapped = data.translate(table)
        run = b"0" * width
        at = mapped.find(run)
        while at >= 0 and len(found) < limit:
            found.append(at)
            end = _NOT_ZERO.search(mapped, at)
            at = mapped.find(run, end.end()) if end else -1
    return sorted(set(found))


def _name_length(name: pikepdf.Object) -> int:
    return len(str(name).encode("utf-8", "surrogateescape")) - 1


def _number_at(data: bytes, at: int) -> bytes | None:
    """The whole number token at data[at], or None if it is part of a word."""
    start = end = at
    while start > 0 and data[start - 1] in b"0123456789.":
        start -= 1
    if start > 0 and data[start - 1] in b"+-":
        start -= 1
    while end < len(data) and data[end] in b"0123456789.":
        end += 1
    before = data[start - 1] if start > 0 else 32
    after = data[end] if end < len(data) else 32
    if before not in _DELIMITERS or after not in _DELIMITERS:
        return None
    return data[start:end]


def _literal(body: bytes) -> bytes:
    """The bytes of a literal string as qpdf writes it (escapes resolved)."""

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, body)


def _inherited(page: pikepdf.Object, key: str) -> object:
    """A page attribute, looked up through its /Parent chain (bounded: cycles end)."""
    node: object = page
    for _ in range(64):
        node_dict = as_dict(node)
        if node_dict is None:
            return None
        value = node_dict.get(key)
        if value is not None:
            return value
        node = node_dict.get("/Parent")
    return None


def _allowed_names(allowed: Iterable[str | Path]) -> set[str]:
    names: set[str] = set()
    files: list[Path] = []
    for item in allowed:
        if isinstance(item, Path):
            files.append(item)
        else:
            names.add(item)
    return names | names_of_files(files)
