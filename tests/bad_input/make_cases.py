"""Write the bad-input corpus: broken, hostile and oversized letter sources.

Run `python tests/bad_input/make_cases.py` to regenerate the files beside
this script and their index, `cases.toml` (file, expected exit code, a
fragment of the expected message, environment overrides). The output is
deterministic. `tests/test_hostile_corpus.py` builds each case with the
real CLI and checks that it fails with that code and message, one `error:`
line, no traceback, and no file in the output folder.

Hostile URLs point at 127.0.0.1:9 (discard; nothing listens there): the
schema or the sandbox must refuse them before any connection is tried.
`tests/test_hostile_sandbox.py` repeats the network cases against a live
server that counts requests.
"""

from __future__ import annotations

import codecs
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEAD = "http://127.0.0.1:9"

HEAD = """<?xml version="1.0" encoding="{enc}"?>
<letter version="1" xml:lang="nl">
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation></sender>
  <recipient><line>De Voorzitter van de Tweede Kamer</line></recipient>
  <date>2023-05-19</date>
  <subject>Een onderwerp</subject>
  <body>
"""
TAIL = """  </body>
</letter>
"""


def letter(body: str, enc: str = "UTF-8", after_body: str = "") -> str:
    return HEAD.format(enc=enc) + body + "\n" + TAIL.replace("</letter>", after_body + "</letter>")


def signatory(src: str) -> str:
    return (
        "  <signatories><signatory><function>De minister,</function>"
        f'<signature src="{src}" alt="Handtekening"/><name>A. Voorbeeld</name>'
        "</signatory></signatories>\n"
    )


def png(width: int, height: int) -> bytes:
    """A grey PNG; its pixels are zeros, so even a huge one compresses to little."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    data = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


P = "    <p>Tekst van de brief.</p>"
LAUGHS = (
    '<!DOCTYPE letter [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>\n"
)


def jpeg_cmyk() -> bytes:
    """A small CMYK JPEG (as scanners and print workflows write them)."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("CMYK", (60, 30), (0, 160, 255, 20)).save(out, "JPEG", quality=90)
    return out.getvalue()


def gradient_png() -> bytes:
    """A PNG whose pixels are not all alike, so that half of it is half an image."""
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", (200, 120))
    image.putdata([(x % 256, (x * 7) % 256, (x * 13) % 256) for x in range(200 * 120)])
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def table(rows: int, cols: int, span: str = "") -> str:
    row = "<tr>" + f"<td{span}>x</td>" + "<td>y</td>" * (cols - 1) + "</tr>"
    return "    <table>" + row * rows + "</table>"


def notes(count: int, words: int, per_paragraph: int = 50) -> str:
    text = " ".join(["toelichting"] * words)
    calls = [f"Zin {n}.<note>{text}</note> " for n in range(count)]
    return "\n".join(
        "    <p>" + "".join(calls[at : at + per_paragraph]) + "</p>"
        for at in range(0, count, per_paragraph)
    )


def figure(src: str) -> str:
    return f'    <figure src="assets/{src}" alt="Afbeelding"/>'


def cases() -> list[dict]:
    """Each case: file, bytes, code, message fragment; optional env and why."""
    utf8 = letter(P).encode()
    out: list[dict] = []

    def add(file: str, data: bytes | str, code: int, message: str, **extra) -> None:
        if isinstance(data, str):
            data = data.encode()
        out.append({"file": file, "data": data, "code": code, "message": message, **extra})

    # Not well-formed, wrong encodings (exit 3) -----------------------------
    add("empty.xml", b"", 3, "the file is empty")
    add("blank.xml", b"  \n\n", 3, "this is not XML")
    add("truncated.xml", utf8[: utf8.index(b"<subject>") + 12], 3, "not well-formed XML")
    add(
        "mismatched-tag.xml",
        letter("    <p>Tekst.</q>"),
        3,
        "is closed by </q>: the tags must match",
    )
    add("a-pdf.xml", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", 3, "this is not XML")
    add(
        "nul-byte.xml",
        utf8.replace(b"Tekst van", b"Tekst\0van"),
        3,
        "Char 0x0 out of allowed range",
    )
    add("control-char.xml", utf8.replace(b"Tekst van", b"Tekst\x07van"), 3, "invalid Char value 7")
    add("char-ref-zero.xml", letter("    <p>Tekst &#0;.</p>"), 3, "invalid xmlChar value 0")
    add(
        "undefined-entity.xml",
        letter("    <p>Tekst&nbsp;van.</p>"),
        3,
        "&nbsp; is not an XML entity",
    )
    add(
        "invalid-utf8.xml",
        utf8.replace(b"Tekst van", b"Tekst \xff\xfe van"),
        3,
        "Invalid bytes in character encoding",
    )
    add(
        "latin1-declared-utf8.xml",
        letter("    <p>Geachte heer, café.</p>").encode("latin-1"),
        3,
        "Invalid bytes in character encoding",
        why="bytes in ISO-8859-1, declaration (UTF-8) lies",
    )
    add(
        "ascii-declared-nonascii.xml",
        letter("    <p>Één café.</p>", enc="US-ASCII").encode(),
        3,
        "Invalid bytes in character encoding",
    )
    add(
        "unknown-encoding.xml",
        letter(P, enc="X-KLINGON"),
        3,
        "Unsupported encoding: X-KLINGON",
    )
    add(
        "utf16-bom-declares-utf8.xml",
        letter("    <p>Één café.</p>").encode("utf-16"),
        3,
        "declares encoding UTF-8 but starts with a UTF-16 byte order mark",
    )
    add(
        "ebcdic.xml",
        letter(P, enc="IBM037").encode("cp037"),
        3,
        "Unsupported encoding",
    )
    add(
        "utf8-bom-truncated-sequence.xml",
        codecs.BOM_UTF8 + letter("    <p>caf\u00e9</p>").encode()[:-40] + b"\xc3",
        3,
        "not well-formed XML",
    )

    # Hostile XML (exit 3): no DTD is read, no entity expanded ---------------
    add(
        "billion-laughs.xml",
        letter("    <p>&i;</p>").replace("<letter ", LAUGHS + "<letter ", 1),
        3,
        "a DOCTYPE is not allowed",
    )
    add(
        "xxe-file.xml",
        letter("    <p>&x;</p>").replace(
            "<letter ", '<!DOCTYPE letter [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<letter ', 1
        ),
        3,
        "a DOCTYPE is not allowed",
    )
    add(
        "xxe-http.xml",
        letter("    <p>&x;</p>").replace(
            "<letter ", f'<!DOCTYPE letter [<!ENTITY x SYSTEM "{DEAD}/x">]>\n<letter ', 1
        ),
        3,
        "a DOCTYPE is not allowed",
    )
    add(
        "external-dtd.xml",
        letter(P).replace("<letter ", f'<!DOCTYPE letter SYSTEM "{DEAD}/letter.dtd">\n<letter ', 1),
        3,
        "a DOCTYPE is not allowed",
    )
    add(
        "parameter-entity.xml",
        letter(P).replace(
            "<letter ",
            f'<!DOCTYPE letter [<!ENTITY % p SYSTEM "{DEAD}/p.dtd"> %p;]>\n<letter ',
            1,
        ),
        3,
        "a DOCTYPE is not allowed",
    )
    add(
        "xinclude.xml",
        letter(
            '    <xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"'
            ' parse="text"/>'
        ),
        3,
        "not part of the letter format",
    )
    add(
        "nested-300-deep.xml",
        letter("    <p>" + "<em>" * 300 + "diep" + "</em>" * 300 + "</p>"),
        3,
        "nested more than 256 levels deep",
        why="deeper than libxml2 parses without huge_tree",
    )

    # Not a valid letter (exit 3) -------------------------------------------
    add("wrong-root.xml", "<html><body><p>Hallo</p></body></html>", 3, "<html> is not a letter")
    add(
        "wrong-version.xml",
        letter(P).replace('version="1"', 'version="2"'),
        3,
        "version",
    )
    add("missing-date.xml", letter(P).replace("<date>2023-05-19</date>", ""), 3, "subject")
    add("bad-date.xml", letter(P).replace("2023-05-19", "2023-02-30"), 3, "date")
    add(
        "figure-http.xml",
        letter(f'    <figure src="{DEAD}/grafiek.png" alt="Grafiek"/>'),
        3,
        'src="…" on <',
    )
    add(
        "figure-absolute-path.xml",
        letter('    <figure src="/etc/passwd" alt="Grafiek"/>'),
        3,
        'src="…" on <',
    )
    add(
        "signature-file-url.xml",
        letter(P, after_body=signatory("file:///etc/passwd")),
        3,
        'src="…" on <',
    )
    add(
        "link-javascript.xml",
        letter('    <p><a href="javascript:alert(1)">klik</a></p>'),
        3,
        'href="…" on <a> must be a link',
    )

    # Over the limits (exit 3), small files with lowered limits -------------
    add(
        "long-word.xml",
        letter("    <p>" + "x" * 1001 + "</p>"),
        3,
        "a word of 1,001 characters without a space",
    )
    add(
        "long-word-across-inline.xml",
        letter("    <p>" + "<em>abcdefghij</em><strong>klmnopqrst</strong>" * 60 + "</p>"),
        3,
        "a word of 1,200 characters without a space",
        why="inline elements do not break a word",
    )
    add(
        "nested-sections.xml",
        letter(
            "".join(f"<section><heading>Kop {i}</heading>" for i in range(60))
            + "<p>Diep.</p>"
            + "</section>" * 60
        ),
        3,
        "nested more than 50 levels deep",
    )
    add(
        "too-many-notes.xml",
        letter("    <p>" + " ".join(f"Zin<note>Noot {i}.</note>." for i in range(6)) + "</p>"),
        3,
        "more than 5 footnotes (limit BRIEFPERS_MAX_NOTES=5)",
        env={"BRIEFPERS_MAX_NOTES": "5"},
    )
    add(
        "too-many-elements.xml",
        letter("\n".join(f"    <p>Alinea {i}.</p>" for i in range(60))),
        3,
        "more than 50 elements (limit BRIEFPERS_MAX_ELEMENTS=50)",
        env={"BRIEFPERS_MAX_ELEMENTS": "50"},
    )
    add(
        "too-much-text.xml",
        letter("    <p>" + "woord " * 40 + "</p>"),
        3,
        "characters of text (limit BRIEFPERS_MAX_TEXT=200)",
        env={"BRIEFPERS_MAX_TEXT": "200"},
    )
    add(
        "too-many-bytes.xml",
        letter(P),
        3,
        "too large (limit BRIEFPERS_MAX_SOURCE_BYTES=300)",
        env={"BRIEFPERS_MAX_SOURCE_BYTES": "300"},
    )
    add(
        "bad-limit-setting.xml",
        letter(P),
        2,
        "BRIEFPERS_MAX_DEPTH='deep': must be a positive whole number",
        env={"BRIEFPERS_MAX_DEPTH": "deep"},
        why="a setting: reported before any letter is read, naming the variable",
    )
    add(
        "bad-epoch-setting.xml",
        letter(P),
        2,
        "SOURCE_DATE_EPOCH='1e9': must be whole seconds since 1970",
        env={"SOURCE_DATE_EPOCH": "1e9"},
        why="a setting: reported before any letter is read, naming the variable",
    )

    # Assets outside the sandbox or unusable (exit 4) ------------------------
    add(
        "figure-parent-path.xml",
        letter('    <figure src="../../../../../etc/passwd" alt="Grafiek"/>'),
        4,
        "points outside the letter's folder",
    )
    add(
        "signature-parent-path.xml",
        letter(P, after_body=signatory("assets/../../corpus/signature.png")),
        4,
        "points outside the letter's folder",
    )
    add(
        "figure-missing.xml",
        letter('    <figure src="assets/absent.png" alt="Grafiek"/>'),
        4,
        "does not exist",
    )
    add(
        "figure-is-a-folder.xml",
        letter('    <figure src="assets" alt="Grafiek"/>'),
        4,
        "does not exist",
    )
    add(
        "figure-not-an-image.xml",
        letter('    <figure src="assets/not-an-image.png" alt="Grafiek"/>'),
        4,
        "cannot be used as an image",
    )
    add(
        "figure-pixel-bomb.xml",
        letter('    <figure src="assets/pixel-bomb.png" alt="Grafiek"/>'),
        4,
        "an image of 10000 × 6000 pixels",
    )
    add(
        "figure-svg-fetches.xml",
        letter('    <figure src="assets/fetches.svg" alt="Grafiek"/>'),
        4,
        "only local files are allowed, no network",
    )
    add(
        "figure-svg-reads-passwd.xml",
        letter('    <figure src="assets/reads-passwd.svg" alt="Grafiek"/>'),
        4,
        "outside the theme and the letter's folder",
    )
    add(
        "figure-svg-entities.xml",
        letter('    <figure src="assets/laughs.svg" alt="Grafiek"/>'),
        4,
        "cannot be used as an image",
    )
    add(
        "theme-path-in-letter.xml",
        letter(P).replace('xml:lang="nl"', 'xml:lang="nl" theme="../../etc"'),
        3,
        "theme must be the name of a theme",
        why="a letter names a theme by name only, never a folder",
    )
    add(
        "unknown-theme.xml",
        letter(P).replace('xml:lang="nl"', 'xml:lang="nl" theme="nosuchtheme"'),
        4,
        "no theme 'nosuchtheme'",
    )

    # Bounds that hold: tables, notes, annexes (exit 3, at load, in milliseconds)
    add("colspan-huge.xml", letter(table(1, 2, ' colspan="100000000"')), 3, "colspan")
    add("rowspan-huge.xml", letter(table(2, 2, ' rowspan="100000000"')), 3, "rowspan")
    add("colspan-over-html-cap.xml", letter(table(1, 2, ' colspan="1001"')), 3, "colspan")
    add(
        "table-grid-too-big.xml",
        letter(table(200, 2, ' colspan="1000"')),
        3,
        "cells",
        why="each span is allowed; their grid is not",
    )
    add(
        "notes-in-one-paragraph.xml",
        letter(notes(51, 3, per_paragraph=51)),
        3,
        "more than 50 footnotes called from one <p>",
        why="footnote layout is quadratic in the notes of one block",
    )
    add(
        "notes-too-long.xml",
        letter("".join(f"<p>Zin {n}.<note>{'toelichting ' * 1700}</note></p>" for n in range(10))),
        3,
        "characters in footnotes",
    )
    add(
        "too-many-annexes.xml",
        letter(P, after_body="".join(f"<annex><title>B{n}</title></annex>" for n in range(201))),
        3,
        "more than 200 annexes",
    )
    add(
        "link-too-long.xml",
        letter(f'    <p><a href="https://x.nl/{"a" * 3000}">x</a></p>'),
        3,
        "link",
    )
    add(
        "noteref-missing.xml",
        letter('    <p>Zie<noteref ref="n9"/>.</p>'),
        3,
        "no note has that id",
    )
    add(
        "note-id-twice.xml",
        letter('    <p>a<note id="n1">een</note> b<note id="n1">twee</note></p>'),
        3,
        "'n1'",
    )
    add(
        "unknown-kind.xml",
        letter(P).replace('xml:lang="nl"', 'xml:lang="nl" kind="memo"'),
        3,
        "kind",
    )
    add(
        "empty-theme-name.xml",
        letter(P).replace('xml:lang="nl"', 'xml:lang="nl" theme=""'),
        3,
        "theme",
    )

    # Characters that break text extraction or PDF/UA (exit 3), or that no theme font has (4)
    add("c1-control.xml", letter("    <p>Tekst\u0090van.</p>"), 3, "U+0090")
    add("noncharacter.xml", letter("    <p>Tekst\ufdd0van.</p>"), 3, "U+FDD0")
    add("bidi-override.xml", letter("    <p>Prijs \u202e0001\u202c euro.</p>"), 3, "U+202E")
    add("private-use.xml", letter("    <p>Logo \ue000 hier.</p>"), 4, "U+E000")
    add("private-use-plane-16.xml", letter("    <p>Teken \U00100005 hier.</p>"), 4, "U+100005")
    add("cjk.xml", letter("    <p>Het woord 中文 in een brief.</p>"), 4, "U+4E2D")
    add("emoji.xml", letter("    <p>Op naar de maan 🚀.</p>"), 4, "U+1F680")
    add("tibetan.xml", letter("    <p>Tibetaans ཀཁག.</p>"), 4, "U+0F40")
    add(
        "missing-glyph-in-subject.xml",
        letter(P).replace("Een onderwerp", "Onderwerp 中"),
        4,
        "U+4E2D",
    )

    # Images judged by their content (exit 4)
    add("png-named-svg.xml", letter(figure("pixel-bomb-named.svg")), 4, "pixels")
    add("truncated-png.xml", letter(figure("truncated.png")), 4, "damaged")
    add("xml-not-svg.xml", letter(figure("not-svg.svg")), 4, "SVG")
    add("svg-huge-width.xml", letter(figure("huge.svg")), 4, "SVG")
    add("svg-tiny-viewbox.xml", letter(figure("tiny-viewbox.svg")), 4, "viewBox")
    add(
        "signature-missing.xml",
        letter(P, after_body=signatory("assets/absent.png")),
        4,
        "absent.png",
    )

    # More of the red team's shapes, and the new source fields (exit 2-4) ---
    add("colspan-zero.xml", letter(table(1, 2, ' colspan="0"')), 3, "colspan")
    add("rowspan-negative.xml", letter(table(2, 2, ' rowspan="-3"')), 3, "rowspan")
    add(
        "lang-not-a-language.xml", letter(P).replace('xml:lang="nl"', 'xml:lang="123 x"'), 3, "lang"
    )
    add(
        "noteref-inside-note.xml",
        letter('    <p>a<note id="n1">een <noteref ref="n1"/></note></p>'),
        3,
        "noteref",
        why="a note cannot call a note",
    )
    add(
        "reissue-date-with-zone.xml",
        letter(P).replace("</subject>", '</subject><reissue of="X" date="2026-12-01Z"/>'),
        3,
        'date="…" on <reissue> must be a date like 2022-01-14',
    )
    add(
        "reissue-and-reissue-of.xml",
        letter(P).replace(
            "</subject>",
            '</subject><reissue of="X" date="2026-12-01"/>'
            '<reissue-of identifier="X" date="2020-01-01"/>',
        ),
        3,
        "reissue-of",
        why="one reissue record, in one form",
    )
    add(
        "cjk-in-dossier-title.xml",
        letter(P)
        .replace(
            "</subject>",
            '</subject><parliamentary dossier="12345" number="6">'
            "<dossier-title>Dossier 中</dossier-title></parliamentary>",
        )
        .replace('xml:lang="nl"', 'xml:lang="nl" kind="kamerstuk"'),
        4,
        "U+4E2D",
        why="text the Kamerstuk layout prints is checked like the body",
    )
    add(
        "emoji-in-annex-title.xml",
        letter(P, after_body="<annex><title>Bijlage 🚀</title><p>x</p></annex>"),
        4,
        "U+1F680",
    )
    add(
        "figure-data-uri.xml",
        letter('    <figure src="data:image/png;base64,iVBORw0KGgo=" alt="x"/>'),
        3,
        "src",
        why="a figure is a file in the letter's folder: no scheme, so no data: URI",
    )
    add(
        "figure-windows-path.xml",
        letter('    <figure src="C:\\Windows\\win.ini" alt="x"/>'),
        3,
        "src",
    )
    add(
        "signature-svg-fetches.xml",
        letter(P, after_body=signatory("assets/fetches.svg")),
        4,
        "only local files are allowed, no network",
    )
    add(
        "theme-name-dot-dot.xml",
        letter(P).replace('xml:lang="nl"', 'xml:lang="nl" theme="a..b"'),
        4,
        "no theme 'a..b'",
    )
    add(
        "href-with-newline.xml",
        letter('    <p><a href="https://x.nl/&#10;/etc">x</a></p>'),
        0,
        "",
        why="an anyURI's white space collapses to a space: a harmless link, still conformant",
    )
    add(
        "depth-just-over.xml",
        letter("    <p>" + "<em>" * 60 + "x" + "</em>" * 60 + "</p>"),
        3,
        "nested",
    )
    add(
        "place-empty.xml",
        letter(P).replace("<date>", "<place> </place><date>"),
        3,
        "place",
    )

    # Dates: a day, not a moment; four-digit years (exit 3, in the format's words)
    for name, value in [
        ("date-with-zone.xml", "2023-05-19Z"),
        ("date-with-offset.xml", "2023-05-19+02:00"),
        ("date-negative-year.xml", "-2023-05-19"),
        ("date-five-digit-year.xml", "12023-05-19"),
        ("date-year-one.xml", "0001-01-01"),
        ("date-in-words.xml", "19 mei 2023"),
        ("date-february-30.xml", "2023-02-30"),
    ]:
        add(
            name,
            letter(P).replace("<date>2023-05-19</date>", f"<date>{value}</date>"),
            3,
            f"<date> must be a date like 2022-01-14 (year 1000 to 9999, no time zone), "
            f"found '{value}'",
        )

    # Hostile but harmless: built (exit 0), and veraPDF must pass the PDF ---
    add(
        "line-separators.xml",
        letter("    <p>Regel een\u2028regel twee\u2029regel drie\u0085regel vier.</p>"),
        0,
        "",
        why="U+2028/U+2029 become line breaks, U+0085 a space (U+2029 crashed the typesetter)",
    )
    add(
        "bidi-embedding.xml",
        letter("    <p>Het citaat \u202bשלום\u202c en \u2067مرحبا\u2069 staat er.</p>"),
        0,
        "",
        why="embeddings and isolates are kept: they do not reorder what is written",
    )
    add("cmyk-jpeg.xml", letter(figure("cmyk.jpg")), 0, "", why="converted to sRGB")
    add(
        "table-ragged.xml",
        letter(
            "    <table><tr><th>a</th><th>b</th><th>c</th></tr><tr><td>1</td></tr>"
            "<tr><td></td><td>2</td><td/></tr></table>"
        ),
        0,
        "",
        why="short rows and empty cells (WeasyPrint leaves empty cells out of the tags)",
    )
    add(
        "note-called-twice.xml",
        letter(
            '    <p>Een kopie<note id="k">De kopie ligt ter inzage.</note> treft u aan'
            '<noteref ref="k"/>.</p>'
        ),
        0,
        "",
    )
    add("many-notes.xml", letter(notes(150, 12)), 0, "", why="150 notes on a few pages")
    add(
        "table-wide-span.xml",
        letter(table(3, 3, ' colspan="1000"')),
        0,
        "",
        why="a span at HTML's cap",
    )
    add(
        "escaped-markup.xml",
        letter(
            "    <p>&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} "
            "{% raw %} ${{7*7}} &lt;img src=x onerror=alert(1)&gt; &amp;amp; \\ </p>"
        ),
        0,
        "",
        why="markup, template syntax and escapes in text are text, nothing more",
    )
    add(
        "right-to-left.xml",
        letter(
            '    <p>Het Hebreeuws <span xml:lang="he">שלום עולם</span> en het Arabisch '
            '<span xml:lang="ar">مرحبا بالعالم</span> lopen van rechts naar links.</p>'
        ),
        0,
        "",
        why="right-to-left scripts in the theme's fonts: shown, extractable, tagged",
    )

    # Too slow (exit 5) ------------------------------------------------------
    add(
        "timeout.xml",
        letter(P),
        5,
        "took longer than the limit of 0.001 s",
        env={"BRIEFPERS_TIMEOUT": "0.001"},
    )
    return out


ASSETS = {
    "not-an-image.png": b"root:x:0:0:root:/root:/bin/bash\n",
    "pixel-bomb.png": png(10_000, 6_000),
    "fetches.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
        f'<image href="{DEAD}/x.png" width="10" height="10"/></svg>\n'
    ).encode(),
    "reads-passwd.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
        b'<image href="file:///etc/passwd" width="10" height="10"/></svg>\n'
    ),
    "pixel-bomb-named.svg": png(10_000, 6_000),
    "truncated.png": gradient_png()[: len(gradient_png()) // 2],
    "not-svg.svg": b'<html xmlns="http://www.w3.org/1999/xhtml"><body>Geen SVG</body></html>\n',
    "huge.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1e30" height="50"/>\n',
    "tiny-viewbox.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" '
        b'viewBox="0 0 1e-9 1e-9"><rect width="1" height="1"/></svg>\n'
    ),
    "cmyk.jpg": jpeg_cmyk(),
    "laughs.svg": (
        LAUGHS.replace("letter", "svg")
        + '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><text>&i;</text></svg>\n'
    ).encode(),
}


def to_toml(entries: list[dict]) -> str:
    lines = [
        "# The bad-input corpus, written by make_cases.py: do not edit by hand.",
        "# Each case: the file, the exit code and a fragment of the one error line;",
        "# env: variables set for the run.",
        "",
    ]
    for case in entries:
        lines.append("[[case]]")
        lines.append(f'file = "{case["file"]}"')
        lines.append(f"code = {case['code']}")
        lines.append("message = " + _toml_string(case["message"]))
        if "why" in case:
            lines.append("why = " + _toml_string(case["why"]))
        if "env" in case:
            pairs = ", ".join(f"{k} = {_toml_string(v)}" for k, v in case["env"].items())
            lines.append(f"env = {{ {pairs} }}")
        lines.append("")
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    entries = cases()
    for case in entries:
        (HERE / case["file"]).write_bytes(case["data"])
    (HERE / "assets").mkdir(exist_ok=True)
    for name, data in ASSETS.items():
        (HERE / "assets" / name).write_bytes(data)
    (HERE / "cases.toml").write_text(to_toml(entries), encoding="utf-8")
    print(f"wrote {len(entries)} cases and {len(ASSETS)} assets to {HERE}")


if __name__ == "__main__":
    main()
