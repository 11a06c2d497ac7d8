"""The in-process conformance gate: small PDFs with one defect each, and the examples clean.

Each defect PDF is made with pikepdf the way our pipeline writes letters (a
Type0 font with Identity-H codes and the real DejaVu Sans program embedded,
a ToUnicode map, an sRGB output intent), then changed in one place.
"""

from __future__ import annotations

import string
import zlib
from functools import cache

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from briefpers.check.gate import (
    Bounds,
    _Gate,
    conformance_problems,
    inspect,
    require_conformance,
)
from briefpers.errors import CheckError, RenderError
from briefpers.themes import load_theme

from .conftest import ROOT

FONTS = ROOT / "styles" / "fonts" / "dejavu"
SANS = FONTS / "DejaVuSans.ttf"
SERIF = FONTS / "DejaVuSerif.ttf"


@cache
def _font() -> tuple[bytes, dict[int, int], int]:
    """DejaVu Sans: its bytes, code point → glyph id, glyph count."""
    font = TTFont(SANS)
    cmap = {cp: font.getGlyphID(name) for cp, name in font.getBestCmap().items()}
    return SANS.read_bytes(), cmap, font["maxp"].numGlyphs


def gid(ch: str) -> int:
    return _font()[1][ord(ch)]


def codes(text: str) -> bytes:
    """The Identity-H codes (= glyph ids) that show `text`."""
    return b"".join(gid(ch).to_bytes(2, "big") for ch in text)


def hexs(data: bytes) -> bytes:
    return b"<" + data.hex().encode() + b">"


def tounicode(mapping: dict[int, str]) -> bytes:
    lines = [f"<{code:04x}> <{text.encode('utf-16-be').hex()}>" for code, text in mapping.items()]
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"1 begincodespacerange <0000> <ffff> endcodespacerange\n"
        + f"{len(lines)} beginbfchar\n".encode()
        + "\n".join(lines).encode()
        + b"\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    )


def make_pdf(
    content: bytes,
    *,
    unicode: dict[int, str] | None = None,
    encoding: bytes | None = None,
    intent: int | None = 3,
    change=None,
) -> bytes:
    """A one-page PDF drawing `content` with font /F1; `change(pdf, page)` adds a defect.

    `unicode`: the ToUnicode map (code → text); by default every ASCII letter's.
    """
    data, _cmap, _count = _font()
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    if intent is not None:
        profile = pdf.make_stream(b"not a real ICC profile: the gate reads /N only")
        profile.N = intent
        pdf.Root.OutputIntents = Array(
            [
                Dictionary(
                    Type=Name.OutputIntent,
                    S=Name.GTS_PDFA1,
                    OutputConditionIdentifier=pikepdf.String("sRGB"),
                    DestOutputProfile=profile,
                )
            ]
        )
    program = pdf.make_stream(data)
    descriptor = pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/ABCDEF+DejaVuSans"),
            Flags=32,
            FontBBox=[0, -236, 1000, 928],
            ItalicAngle=0,
            Ascent=928,
            Descent=-236,
            CapHeight=700,
            StemV=80,
            FontFile2=program,
        )
    )
    cid_font = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name("/ABCDEF+DejaVuSans"),
            CIDSystemInfo=Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            CIDToGIDMap=Name.Identity,
            FontDescriptor=descriptor,
        )
    )
    mapping = unicode if unicode is not None else {gid(ch): ch for ch in string.ascii_letters}
    font = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/ABCDEF+DejaVuSans"),
            Encoding=pdf.make_stream(encoding) if encoding is not None else Name("/Identity-H"),
            DescendantFonts=Array([cid_font]),
            ToUnicode=pdf.make_stream(tounicode(mapping)),
        )
    )
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = pdf.make_stream(content)
    if change is not None:
        change(pdf, page)
    return _save(pdf)


def _save(pdf: pikepdf.Pdf) -> bytes:
    import io

    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def show(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 700 Td " + hexs(codes(text)) + b" Tj ET"


def problems(pdf: bytes, **kwargs) -> str:
    return " | ".join(conformance_problems(pdf, **kwargs))


@pytest.fixture(autouse=True, params=["fast", "general"])
def content_reading(request, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: content streams read by regular expressions
    (the fast way, for ordinary content) and by qpdf's parser (the general
    way); both must find the same."""
    monkeypatch.setattr(_Gate, "fast_content", request.param == "fast")
    return request.param


# -- the baseline ---------------------------------------------------------------


def test_a_clean_pdf_has_no_problems() -> None:
    pdf = make_pdf(show("Hello") + b" 0.2 0.4 0.6 rg 10 10 50 50 re f")
    assert conformance_problems(pdf, allowed_fonts=[SANS]) == []
    assert inspect(pdf).fonts == ["DejaVuSans"]


@pytest.mark.parametrize("stem", ["navo-ministeriele-2022", "water-quality-2023"])
def test_the_example_letters_pass_clean(built, stem: str) -> None:
    data = built[stem].read_bytes()
    theme = load_theme("rijk")
    fonts = [face.path for face in theme.fonts]
    result = inspect(data, allowed_fonts=fonts)
    assert result.problems == []
    # Every embedded font is one of the theme's files, found by its PostScript name.
    assert result.fonts and set(result.fonts) <= {TTFont(f)["name"].getDebugName(6) for f in fonts}


def test_the_fast_way_reads_what_weasyprint_writes(
    built, content_reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast way is taken for every page of the examples (else the two
    runs of each test would prove nothing), and declined where it cannot
    read the content: literal strings, inline images, ActualText."""
    taken = []
    original = _Gate._content_fast

    def spy(self, data, *args):
        taken.append(original(self, data, *args))
        return taken[-1]

    monkeypatch.setattr(_Gate, "_content_fast", spy)
    inspect(built["navo-ministeriele-2022"].read_bytes())
    if content_reading == "fast":
        assert taken == [True, True, True]
        taken.clear()
        inspect(make_pdf(b"BT /F1 12 Tf (AB) Tj ET"))
        inspect(make_pdf(b"BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI " + show("A")))
        inspect(make_pdf(b"/Span <</ActualText <feff0041>>> BDC " + show("A") + b" EMC"))
        assert taken == [False, False, False]
    else:
        assert taken == []


def test_not_a_pdf_is_a_check_error() -> None:
    with pytest.raises(CheckError, match="not a readable PDF"):
        conformance_problems(b"%PDF-1.7\nthis is not a PDF at all")


def test_require_conformance_raises_a_render_error_naming_the_problem() -> None:
    pdf = make_pdf(show("Hi") + b" 0 0 0 1 k")
    with pytest.raises(RenderError, match="DeviceCMYK") as caught:
        require_conformance(pdf, path="letter.xml")
    assert caught.value.exit_code == 5
    assert str(caught.value).startswith("letter.xml: the PDF would not conform")
    require_conformance(make_pdf(show("Hi")))  # clean: no error


# -- glyphs -----------------------------------------------------------------------


def test_glyph_zero_is_notdef() -> None:
    pdf = make_pdf(
        b"BT /F1 12 Tf 72 700 Td " + hexs(codes("A") + b"\x00\x00") + b" Tj ET",
        unicode={gid("A"): "A", 0: "\u6f22"},
    )
    found = problems(pdf)
    assert ".notdef" in found and "U+6F22 '漢'" in found and "page 1" in found


def test_glyph_beyond_the_font_is_notdef() -> None:
    """What WeasyPrint writes for a character the font lacks: a glyph id past its end."""
    count = _font()[2]
    beyond = count + 5
    pdf = make_pdf(
        b"BT /F1 12 Tf 72 700 Td [" + hexs(codes("A")) + b" 0 "
        + hexs(beyond.to_bytes(2, "big")) + b"] TJ ET",
        unicode={gid("A"): "A", beyond: "\U0001f99c"},
    )  # fmt: skip
    found = problems(pdf)
    assert "has no glyph for" in found and "U+1F99C" in found
    assert "A'" not in found.split("no glyph for")[1]  # 'A' itself is fine


def test_an_encoding_cmap_sending_a_code_to_cid_zero_is_notdef() -> None:
    """WeasyPrint's own way: a /WP-Encod CMap maps missing characters to CID 0."""
    a, b = gid("A"), gid("B")
    encoding = (
        b"begincmap 1 begincodespacerange <0000> <ffff> endcodespacerange\n"
        + f"2 begincidchar <{a:04x}> {a} <1870> 0 endcidchar\n".encode()
        + f"1 begincidrange <{b:04x}> <{b:04x}> {b} endcidrange endcmap".encode()
    )
    pdf = make_pdf(
        b"BT /F1 12 Tf 72 700 Td <" + f"{a:04x}1870{b:04x}".encode() + b"> Tj ET",
        unicode={a: "A", b: "B", 0x1870: "\u2028"},
        encoding=encoding,
    )
    found = problems(pdf)
    assert "no glyph for" in found and "U+2028" in found
    assert "'A'" not in found and "'B'" not in found


def test_a_code_without_unicode_is_reported() -> None:
    pdf = make_pdf(show("AB"), unicode={gid("A"): "A"})
    assert f"without a Unicode mapping in font DejaVuSans: 0x{gid('B'):04X}" in problems(pdf)


# -- text: separators, controls, private use ---------------------------------------


@pytest.mark.parametrize("bad", ["\u2028", "\u2029", "\u0085", "\t", "\x01", "\x9f", "\ufeff"])
def test_separators_and_controls_in_the_unicode_map(bad: str) -> None:
    pdf = make_pdf(show("AB"), unicode={gid("A"): "A", gid("B"): bad})
    found = problems(pdf)
    assert "maps to separators or control characters" in found
    assert f"U+{ord(bad):04X}" in found


def test_separators_in_actual_text() -> None:
    content = b"/Span <</ActualText (a\xe2\x80\xa9b)>> BDC " + show("ab") + b" EMC"
    content = content.replace(b"(a\xe2\x80\xa9b)", b"<feff0061" + b"2029" + b"0062>")
    found = problems(make_pdf(content))
    assert "separators or control characters in text: ActualText on page 1: U+2029" in found


def test_controls_in_the_actual_text_of_a_structure_element() -> None:
    def change(text: str):
        def apply(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
            element = pdf.make_indirect(
                Dictionary(
                    Type=Name.StructElem,
                    S=Name.Span,
                    ActualText=pikepdf.String(text),
                    Alt=pikepdf.String(text),
                )
            )
            pdf.Root.StructTreeRoot = pdf.make_indirect(
                Dictionary(Type=Name.StructTreeRoot, K=Array([element]))
            )

        return apply

    found = problems(make_pdf(show("A"), change=change("a\u0085b")))
    assert "ActualText of object" in found and "U+0085" in found
    assert "Alt" not in found  # alternate text is a description, not extracted text
    assert problems(make_pdf(show("A"), change=change("a b"))) == ""


def test_private_use_needs_actual_text() -> None:
    mapping = {gid("A"): "\ue000"}
    plain = problems(make_pdf(show("A"), unicode=mapping))
    assert "Private Use Area without ActualText: U+E000" in plain
    wrapped = b"/Span <</ActualText (logo)>> BDC " + show("A") + b" EMC"
    assert problems(make_pdf(wrapped, unicode=mapping)) == ""


# -- colour -------------------------------------------------------------------------


def _image(pdf: pikepdf.Pdf, page: pikepdf.Page, space) -> None:
    components = 4 if space in (Name.DeviceCMYK,) or isinstance(space, Array) else 3
    image = pdf.make_stream(b"\x80" * (4 * 4 * components))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width = image.Height = 4
    image.BitsPerComponent = 8
    image.ColorSpace = space
    page.Resources.XObject = Dictionary(Im1=image)
    page.Contents = pdf.make_stream(page.Contents.read_bytes() + b" q 40 0 0 40 0 0 cm /Im1 Do Q")


def test_a_cmyk_image_in_an_rgb_document() -> None:
    cmyk = make_pdf(show("A"), change=lambda pdf, page: _image(pdf, page, Name.DeviceCMYK))
    assert "DeviceCMYK colour in a document whose output intent is not CMYK: an image" in problems(
        cmyk
    )
    rgb = make_pdf(show("A"), change=lambda pdf, page: _image(pdf, page, Name.DeviceRGB))
    assert problems(rgb) == ""


def test_an_icc_cmyk_image_in_an_rgb_document() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        profile = pdf.make_stream(b"cmyk profile")
        profile.N = 4
        _image(pdf, page, Array([Name.ICCBased, profile]))

    assert "a CMYK colour space (ICC-based)" in problems(make_pdf(show("A"), change=change))


def test_cmyk_colour_operators_and_spaces() -> None:
    assert "DeviceCMYK colour" in problems(make_pdf(show("A") + b" 0 0 0 1 k"))
    assert "DeviceCMYK colour" in problems(make_pdf(show("A") + b" /DeviceCMYK cs 0 0 0 1 sc"))
    # The same CMYK in a document whose output intent is CMYK is fine.
    assert problems(make_pdf(show("A") + b" 0 0 0 1 k", intent=4)) == ""


def test_device_colour_without_an_output_intent() -> None:
    assert "without a PDF/A output intent" in problems(
        make_pdf(show("A") + b" 1 0 0 rg", intent=None)
    )


# -- implementation limits -------------------------------------------------------------


def _link(uri_length: int):
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        action = Dictionary(S=Name.URI, URI=pikepdf.String(b"https://e.org/" + b"a" * uri_length))
        page.Annots = Array(
            [pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, A=action))]
        )

    return change


def test_a_string_over_32767_bytes() -> None:
    assert "strings longer than the PDF/A limit of 32767 bytes" in problems(
        make_pdf(show("A"), change=_link(40000))
    )
    assert problems(make_pdf(show("A"), change=_link(32767 - len("https://e.org/")))) == ""


def test_a_name_over_127_bytes() -> None:
    def named(length: int):
        def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
            page.obj[Name("/X" + "n" * (length - 1))] = 1

        return change

    assert "names longer than the PDF/A limit of 127 bytes" in problems(
        make_pdf(show("A"), change=named(128))
    )
    assert problems(make_pdf(show("A"), change=named(127))) == ""


def test_numbers_beyond_the_limits_in_content() -> None:
    """An SVG 1e30 wide: WeasyPrint writes the integer in full."""
    huge = make_pdf(show("A") + b" 0 0 1000000000000000019884624838656 10 re f")
    assert "integers beyond the PDF/A limit of ±2147483647: page 1" in problems(huge)
    big_real = make_pdf(show("A") + b" 0 0 " + b"9" * 40 + b".5 10 re f")
    assert "real numbers beyond the PDF/A limit" in problems(big_real)
    tiny = make_pdf(show("A") + b" 0 0 0." + b"0" * 40 + b"1 10 re f")
    assert "closer to zero" in problems(tiny)
    fine = make_pdf(show("A") + b" 0 0 2147483647 -2147483648 re 0.000001 w 841.889764 0 m")
    assert problems(fine) == ""


def test_numbers_beyond_the_limits_in_objects() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.obj.Rotate = 0
        pdf.Root.Big = 2**40

    assert "integers beyond the PDF/A limit" in problems(make_pdf(show("A"), change=change))


def test_digits_inside_text_are_not_numbers() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        pdf.Root.Note = pikepdf.String("call 0031704560000123 or 99999999999")

    assert problems(make_pdf(show("A"), change=change)) == ""


def test_an_operator_pdf_does_not_define() -> None:
    found = problems(make_pdf(show("A") + b" 1.5e3 0 m"))
    assert "operators that PDF does not define: '1.5e3' on page 1" in found


def test_q_nesting_over_28() -> None:
    assert "q/Q nested deeper than the PDF/A limit of 28" in problems(
        make_pdf(b"q " * 29 + show("A") + b" Q" * 29)
    )
    assert problems(make_pdf(b"q " * 28 + show("A") + b" Q" * 28)) == ""


def test_a_page_box_beyond_14400_units() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.obj.MediaBox = [0, 0, 20000, 842]

    assert "page boxes outside the PDF/A limits" in problems(make_pdf(show("A"), change=change))


# -- fonts --------------------------------------------------------------------------------


def test_an_embedded_font_that_is_not_expected() -> None:
    pdf = make_pdf(show("A"))
    assert "embedded fonts that are not the expected ones: DejaVuSans" in problems(
        pdf, allowed_fonts=[SERIF]
    )
    assert problems(pdf, allowed_fonts=[SANS]) == ""  # a font file
    assert problems(pdf, allowed_fonts=["DejaVuSans"]) == ""  # a PostScript name
    assert problems(pdf) == ""  # not checked


def test_a_font_that_is_not_embedded() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        helvetica = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
        page.Resources.Font.F2 = pdf.make_indirect(helvetica)

    found = problems(make_pdf(show("A") + b" BT /F2 9 Tf (x) Tj ET", change=change))
    assert "fonts not embedded: Helvetica" in found


# -- hostile structure: cycles, depth, size, damage -------------------------------------


def _form(pdf: pikepdf.Pdf, content: bytes) -> pikepdf.Object:
    form = pdf.make_stream(content)
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 10, 10]
    return form


def test_a_form_that_draws_itself_ends_promptly() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        form = _form(pdf, b"/X0 Do")
        form.Resources = Dictionary(XObject=Dictionary(X0=form))
        page.Resources.XObject = Dictionary(X0=form)
        page.Contents = pdf.make_stream(b"/X0 Do")

    assert "a form XObject that draws itself" in problems(make_pdf(b"", change=change))


def test_two_forms_that_draw_each_other() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        first, second = _form(pdf, b"/B Do"), _form(pdf, b"/A Do")
        first.Resources = Dictionary(XObject=Dictionary(B=second))
        second.Resources = Dictionary(XObject=Dictionary(A=first))
        page.Resources.XObject = Dictionary(A=first)
        page.Contents = pdf.make_stream(b"/A Do")

    assert "draws itself" in problems(make_pdf(b"", change=change))


def test_forms_nested_too_deep_and_forms_drawn_many_times() -> None:
    def chain(length: int, fan_out: int = 1):
        def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
            inner = _form(pdf, show("A"))
            inner.Resources = Dictionary(Font=page.Resources.Font)
            for _ in range(length):
                outer = _form(pdf, b" ".join([b"/Next Do"] * fan_out))
                outer.Resources = Dictionary(XObject=Dictionary(Next=inner))
                inner = outer
            page.Resources.XObject = Dictionary(Top=inner)
            page.Contents = pdf.make_stream(b"/Top Do")

        return change

    assert "form XObjects nested more than 32 deep" in problems(make_pdf(b"", change=chain(40)))
    # 20 levels, each drawing the next 50 times: 50^20 draws, each form read once.
    assert problems(make_pdf(b"", change=chain(20, fan_out=50))) == ""


def test_too_large_to_check() -> None:
    pdf = make_pdf(show("A") + b" 0 0 m" * 100)
    found = inspect(pdf, bounds=Bounds(steps=50)).problems
    assert found == ["too large to check: more than 50 objects and operators"]


def test_a_huge_array_is_walked_without_a_python_loop_per_item() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        pdf.Root.Huge = Array(list(range(300_000)))

    assert problems(make_pdf(show("A"), change=change)) == ""
    small = Bounds(total_bytes=100_000)
    found = inspect(make_pdf(show("A"), change=change), bounds=small).problems
    assert found and found[0].startswith("too large to check")


def test_a_content_stream_bomb_stops_at_the_limit() -> None:
    bomb = zlib.compress(b"0 0 m " * (20 * 1024 * 1024 // 6), 9)  # 20 MiB from ~20 kB

    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(bomb, filter=Name.FlateDecode)
        page.Contents = stream

    found = inspect(make_pdf(b"", change=change), bounds=Bounds(stream_bytes=1024 * 1024)).problems
    assert found == ["too large to check: a stream decodes to more than 1048576 bytes"]


def test_a_damaged_stream_is_a_problem_not_an_exception() -> None:
    def change(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(b"this is not zlib data", filter=Name.FlateDecode)
        page.Contents = stream

    found = problems(make_pdf(b"", change=change))
    assert found.startswith("damaged PDF:") and "Flate" in found
