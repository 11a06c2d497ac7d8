"""`briefpers check` on good, hostile and broken PDFs: one line each, a documented exit code.

Run in process (click's runner): exit 6 for every PDF that fails or cannot
be read, never an internal error (70), never a traceback, never a hang.
"""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Dictionary, Name

from briefpers.check.preflight import preflight
from briefpers.cli import main

from .conftest import ROOT

SERIF = ROOT / "styles" / "fonts" / "dejavu" / "DejaVuSerif.ttf"


def check(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def _blank(path: Path, change=None, **save) -> Path:
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        if change is not None:
            change(pdf)
        pdf.save(path, **save)
    return path


def _self_drawing_form(pdf: pikepdf.Pdf) -> None:
    form = pdf.make_stream(b"/X0 Do")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 10, 10]
    form.Resources = Dictionary(XObject=Dictionary(X0=form))
    page = pdf.pages[0]
    page.Resources = Dictionary(XObject=Dictionary(X0=form))
    page.Contents = pdf.make_stream(b"/X0 Do")


def _pages_loop(pdf: pikepdf.Pdf) -> None:
    pages = pdf.Root.Pages
    kid = pdf.make_indirect(Dictionary(Type=Name.Pages, Count=1, Parent=pages))
    kid.Kids = Array([kid])
    pages.Kids.append(kid)
    pages.Count = 2


def _deep_arrays(path: Path) -> Path:
    depth = 5000
    path.write_bytes(
        b"%PDF-1.7\n1 0 obj <</Type/Catalog/Pages 2 0 R/Deep "
        + b"[" * depth
        + b"]" * depth
        + b">> endobj\n2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def _hostile(tmp: Path, kind: str, built: dict[str, Path]) -> Path:
    seed = built["navo-ministeriele-2022"].read_bytes()
    path = tmp / f"{kind}.pdf"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        return Path("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "missing":
        pass
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    elif kind == "truncated":
        path.write_bytes(seed[: len(seed) // 2])
    elif kind == "no-objects":
        path.write_bytes(seed.split(b"1 0 obj")[0] + b"%%EOF\n")
    elif kind == "self-drawing-form":
        _blank(path, _self_drawing_form)
    elif kind == "pages-loop":
        _blank(path, _pages_loop)
    elif kind == "deep-arrays":
        _deep_arrays(path)
    elif kind == "password":
        _blank(path, encryption=pikepdf.Encryption(owner="o", user="secret"))
    elif kind == "encrypted":
        _blank(path, encryption=pikepdf.Encryption(owner="o", user=""))
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fifo", "not a regular file"),
        ("device", "not a regular file"),
        ("folder", "is a folder"),
        ("missing", "no such file"),
        ("empty", "not a readable PDF"),
        ("garbage", ""),
        ("truncated", ""),
        ("no-objects", ""),
        ("self-drawing-form", "a form XObject that draws itself"),
        ("pages-loop", "Loop detected in /Pages"),
        ("deep-arrays", "not a readable PDF"),
        ("password", "encrypted"),
        ("encrypted", "encrypted"),
    ],
)
def test_hostile_and_broken_pdfs_fail_with_one_line(
    tmp_path: Path, built, kind: str, message: str
) -> None:
    pdf = _hostile(tmp_path, kind, built)
    code, out, err = check(pdf)
    assert code == 6, (out, err)
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"FAIL {pdf}: "), out
    assert message in lines[0]
    assert "internal error" not in out + err and "Traceback" not in out + err


def test_the_examples_pass_with_their_fonts(built) -> None:
    pdfs = [built["navo-ministeriele-2022"], built["water-quality-2023"]]
    code, out, err = check(*pdfs)
    assert code == 0, out
    lines = out.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [["ok", str(p)] for p in pdfs]
    assert "pdfa=3a pdfua=1" in lines[0]
    fonts = lines[0].split("fonts=")[1].split(",")
    assert fonts and all(name.startswith("DejaVu") for name in fonts)
    assert err == ""  # the theme the PDFs name (rijk) is here: no note
    # The plain theme has no DejaVu Sans Oblique, which the English letter uses.
    code, out, _err = check("--theme", "plain", *pdfs)
    assert code == 6
    assert out.splitlines()[0].startswith("ok ")
    assert out.splitlines()[1].endswith(
        "not the expected ones: Rijk-Sans-Italic (DejaVuSans-Oblique)"
    )


def test_an_unknown_theme_is_the_users_error(built) -> None:
    code, _out, err = check("--theme", "no-such-theme", built["water-quality-2023"])
    assert code == 4 and "error: " in err and "no-such-theme" in err


def test_fonts_are_compared_with_the_theme_the_pdf_names(built) -> None:
    asked = []

    def only_serif(theme: str | None) -> list[Path]:
        asked.append(theme)
        return [SERIF]

    report = preflight(built["navo-ministeriele-2022"], fonts=only_serif)
    assert asked == ["rijk"]  # bp:theme from the XMP
    problem = [p for p in report.problems if "not the expected ones" in p]
    assert problem and "DejaVuSans" in problem[0] and "DejaVuSerif" not in problem[0]

    unknown = preflight(built["navo-ministeriele-2022"], fonts=lambda theme: None)
    assert unknown.ok
    assert unknown.notes == [
        "its fonts were not compared with a theme's: theme 'rijk' is not available here"
    ]


def test_a_time_limit_ends_the_check_of_one_pdf(built, tmp_path: Path) -> None:
    good = built["water-quality-2023"]
    result = CliRunner().invoke(main, ["check", "--timeout", "0.001", str(good), str(good)])
    assert result.exit_code == 6
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all("checking the PDF took longer than the limit of 0.001 s" in line for line in lines)


def test_a_bad_timeout_setting_is_a_usage_error(built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFPERS_TIMEOUT", "soon")
    code, _out, err = check(built["water-quality-2023"])
    assert code == 2 and "BRIEFPERS_TIMEOUT" in err
