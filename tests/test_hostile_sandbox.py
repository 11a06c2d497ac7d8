"""Nothing is fetched: hostile URLs against a live server that counts every request.

A real HTTP server on 127.0.0.1 (port chosen by the system) records each
request it receives. Letters and raw HTML point images, stylesheets, fonts,
entities and schemas at it; every test asserts that it received nothing and
that the refusal names the URL. A control test shows that the server does
answer when asked, so "no requests" means something.
"""

from __future__ import annotations

import base64
import http.server
import io
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest

from briefpers.errors import AssetError, ExitCode, SourceError
from briefpers.pipeline import build_letter
from briefpers.render.html import font_faces
from briefpers.themes import load_theme
from briefpers.typeset import typeset

from .test_source import MINIMAL

CLI = [sys.executable, "-m", "briefpers.cli"]
PNG = (Path(__file__).parent / "corpus" / "signature.png").read_bytes()


@dataclass
class Server:
    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    record = Server("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            record.requests.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(PNG)

        do_GET = do_POST = do_HEAD = _answer  # noqa: N815 - the stdlib's names

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield record
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def quiet(server: Server) -> Iterator[Server]:
    """The server, with a check after the test that it received nothing."""
    before = len(server.requests)
    yield server
    assert server.requests[before:] == []


def test_control_the_server_answers(server: Server) -> None:
    before = len(server.requests)
    with urllib.request.urlopen(f"{server.url}/control.png", timeout=5) as response:
        assert response.read() == PNG
    assert server.requests[before:] == ["GET /control.png"]


# Raw HTML straight into the typesetter: the sandbox is the only defence here.

HTML_CASES = {
    "img": '<img src="{u}/img.png" alt="x">',
    "stylesheet link": '<link rel="stylesheet" href="{u}/style.css">',
    "css @import": '<style>@import url("{u}/import.css");</style>',
    "inline style url()": '<p style="background-image: url({u}/bg.png)">x</p>',
    "@font-face": (
        "<style>@font-face {{ font-family: X; src: url({u}/font.ttf) }} p {{ font-family: X }}"
        "</style><p>x</p>"
    ),
    "list-style-image": '<ul style="list-style-image: url({u}/dot.png)"><li>x</li></ul>',
    "content url()": "<style>p::before {{ content: url({u}/before.png) }}</style><p>x</p>",
    "border-image": '<p style="border: 5px solid; border-image: url({u}/b.png) 30">x</p>',
    "object": '<object data="{u}/object.png" type="image/png">x</object>',
    "embed": '<embed src="{u}/embed.png" type="image/png">',
    "base href": '<base href="{u}/"><img src="relative.png" alt="x">',
    "attachment link": '<link rel="attachment" href="{u}/attachment.bin">',
    "attachment anchor": '<a rel="attachment" href="{u}/attachment2.bin">x</a>',
    "inline svg image": '<svg width="10" height="10"><image href="{u}/svg.png" width="5"/></svg>',
    "svg file fetching": '<img src="fetches.svg" alt="x">',
}


def _typeset(body: str, folder: Path) -> tuple[bytes, int]:
    theme = load_theme("rijk")
    html = (
        f'<!DOCTYPE html><html lang="nl"><head><title>t</title><style>{font_faces(theme)}'
        f"</style></head><body>{body}</body></html>"
    )
    pdf, pages, _ = typeset(
        html,
        stylesheet_path=theme.stylesheet,
        asset_roots=theme.asset_roots,
        base_dir=folder,
        fonts=[face.path for face in theme.fonts],
    )
    return pdf, pages


@pytest.mark.parametrize("body", HTML_CASES.values(), ids=HTML_CASES.keys())
def test_html_urls_are_refused_unfetched(body: str, quiet: Server, tmp_path: Path) -> None:
    (tmp_path / "fetches.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{quiet.url}/from-svg.png" width="5" height="5"/></svg>'
    )
    with pytest.raises(AssetError) as info:
        _typeset(body.format(u=quiet.url), tmp_path)
    assert info.value.exit_code == ExitCode.ASSET
    assert quiet.url in str(info.value)
    assert "no network" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        '<img src="file:///etc/passwd" alt="x">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        "<style>@import url(file:///etc/passwd);</style>",
        '<img src="../../../../../../etc/passwd" alt="x">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
    ],
    ids=["img", "stylesheet", "import", "relative", "attachment"],
)
def test_html_local_files_outside_are_refused(body: str, quiet: Server, tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="/etc/passwd: outside the theme and the letter's folder"):
        _typeset(body, tmp_path / "letter")


def test_oversized_data_uri_is_refused(quiet: Server, tmp_path: Path) -> None:
    with pytest.raises(AssetError, match=r"data: URI of \d+ bytes exceeds"):
        _typeset('<img alt="x" src="data:image/png;base64,' + "A" * 300_000 + '">', tmp_path)


def test_links_are_not_fetched(quiet: Server, tmp_path: Path) -> None:
    pdf, _ = _typeset(f'<p><a href="{quiet.url}/page">a link</a></p>', tmp_path)
    with pikepdf.open(io.BytesIO(pdf)) as doc:  # the link is kept, not followed
        uris = [str(a.A.URI) for a in doc.pages[0].get("/Annots", []) if "/A" in a]
    assert uris == [f"{quiet.url}/page"]


# Letters: the schema refuses schemes and absolute paths (exit 3); the
# sandbox refuses what gets past it (exit 4).


def letter(folder: Path, body: str = "<p>Tekst.</p>", after: str = "", before: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = MINIMAL.replace("<p>Tekst.</p>", body).replace("</letter>", after + "</letter>")
    text = text.replace("<letter ", before + "<letter ", 1)
    path = folder / "letter.xml"
    path.write_text(text, encoding="utf-8")
    return path


def signature(src: str) -> str:
    return (
        "<signatories><signatory><function>De minister,</function>"
        f'<signature src="{src}" alt="Handtekening"/><name>A</name></signatory></signatories>'
    )


@pytest.mark.parametrize(
    ("where", "make"),
    [
        ("figure", lambda u: {"body": f'<figure src="{u}/figure.png" alt="Grafiek"/>'}),
        ("signature", lambda u: {"after": signature(f"{u}/signature.png")}),
        ("file url", lambda u: {"body": '<figure src="file:///etc/passwd" alt="x"/>'}),
        ("absolute", lambda u: {"after": signature("/etc/passwd")}),
        ("xxe", lambda u: {"before": f'<!DOCTYPE letter [<!ENTITY x SYSTEM "{u}/xxe">]>\n'}),
        ("external dtd", lambda u: {"before": f'<!DOCTYPE letter SYSTEM "{u}/letter.dtd">\n'}),
        (
            "xinclude",
            lambda u: {
                "body": f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{u}/x"/>'
            },
        ),
    ],
)
def test_letter_urls_fail_as_invalid_source(where, make, quiet: Server, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        build_letter(letter(tmp_path, **make(quiet.url)))
    assert info.value.exit_code == ExitCode.INVALID_SOURCE


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("../../../../../../etc/passwd", "points outside the letter's folder"),
        ("sub/../../outside.png", "points outside the letter's folder"),
        ("link.png", "points outside the letter's folder"),  # a symlink out of the folder
        ("fetches.svg", "no network"),
        ("reads.svg", "outside the theme and the letter's folder"),
    ],
)
def test_letter_assets_outside_the_sandbox(src, message, quiet: Server, tmp_path: Path) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "link.png").symlink_to(tmp_path / "outside.png")
    (folder / "fetches.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{quiet.url}/from-svg.png" width="5" height="5"/></svg>'
    )
    (folder / "reads.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="file:///etc/passwd" width="5" height="5"/></svg>'
    )
    for path in (
        letter(folder, body=f'<figure src="{src}" alt="Grafiek"/>'),
        letter(folder, after=signature(src)),
    ):
        with pytest.raises(AssetError, match=message):
            build_letter(path)


def test_harmless_references_build_without_fetching(quiet: Server, tmp_path: Path) -> None:
    """Links, an xsi:schemaLocation and a stylesheet PI: kept or ignored, never fetched."""
    path = letter(
        tmp_path,
        body=f'<p>Zie <a href="{quiet.url}/page">de website</a>.</p>',
        before=f'<?xml-stylesheet type="text/css" href="{quiet.url}/pi.css"?>\n',
    )
    text = path.read_text().replace(
        '<letter version="1"',
        '<letter xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:noNamespaceSchemaLocation="{quiet.url}/letter.xsd" version="1"',
    )
    path.write_text(text)
    built = build_letter(path)
    assert built.pages == 1


def test_cli_end_to_end(quiet: Server, tmp_path: Path) -> None:
    """The CLI: one line, the documented code, nothing written, nothing fetched."""
    cases = [
        (letter(tmp_path / "a", body=f'<figure src="{quiet.url}/a.png" alt="x"/>'), 3, 'src="…"'),
        (letter(tmp_path / "b", body='<figure src="evil.svg" alt="x"/>'), 4, quiet.url),
    ]
    (tmp_path / "b" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{quiet.url}/b.png" width="5" height="5"/></svg>'
    )
    for path, code, fragment in cases:
        out = tmp_path / f"out-{path.parent.name}"
        result = subprocess.run(
            [*CLI, "build", str(path), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        errors = [line for line in result.stderr.splitlines() if "error: " in line]
        assert result.returncode == code, result.stderr
        assert len(errors) == 1 and fragment in errors[0], result.stderr
        assert "Traceback" not in result.stderr
        assert not (out.exists() and any(out.iterdir()))


def _bomb() -> bytes:
    sys.path.insert(0, str(Path(__file__).parent / "bad_input"))
    try:
        from make_cases import png
    finally:
        sys.path.pop(0)
    return png(9000, 7000)  # 63 million pixels in 80 kB


def test_pixel_bombs_are_refused(quiet: Server, tmp_path: Path) -> None:
    bomb = _bomb()
    (tmp_path / "bomb.png").write_bytes(bomb)
    inline = base64.b64encode(bomb).decode()
    for src in ("bomb.png", f"data:image/png;base64,{inline}"):
        with pytest.raises(AssetError, match="an image of 9000 × 7000 pixels"):
            _typeset(f'<img alt="x" src="{src}">', tmp_path)


def test_local_images_are_used(quiet: Server, tmp_path: Path) -> None:
    """The sandbox lets the letter's own PNG and SVG through, and they are drawn."""
    folder = tmp_path / "letter"
    folder.mkdir()
    (folder / "chart.png").write_bytes(PNG)
    (folder / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20" fill="#888"/></svg>'
    )
    path = letter(
        folder,
        body='<figure src="chart.png" alt="Een grafiek"/><figure src="chart.svg" alt="Een vlak"/>',
        after=signature("chart.png"),
    )
    with pikepdf.open(io.BytesIO(build_letter(path).pdf)) as doc:
        alts = {
            str(obj.Alt)
            for obj in doc.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure" and "/Alt" in obj
        }
    assert {"Een grafiek", "Een vlak", "Handtekening"} <= alts  # none was left out
