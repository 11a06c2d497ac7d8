"""`briefpers extract`: the source and its embedded assets, safely, within a size limit.

The PDFs are made with pikepdf as the archive copy will carry them: the
source as `/AFRelationship /Source`, each image as `/Supplement` named by
its `src` path. The PDF is untrusted: hostile names, symlinks in the way and
decompression bombs are refused, and nothing is written outside the folder.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Name

from briefpers.archive.extract import extract, safe_path
from briefpers.cli import main
from briefpers.errors import CheckError
from briefpers.pipeline import build_letter

from .conftest import INPUT

SOURCE = b'<?xml version="1.0" encoding="UTF-8"?>\n<letter version="1"/>\n'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n'


def make_pdf(
    path: Path,
    *,
    source: tuple[str, bytes] | None = ("letter.xml", SOURCE),
    assets: list[tuple[str, bytes]] | None = None,
    raw_assets: list[tuple[str, bytes]] | None = None,
) -> Path:
    """A PDF carrying `source` and `assets` as associated files.

    `raw_assets`: (name, Flate data) embedded as they are, undecoded.
    """
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        specs = []
        if source is not None:
            specs.append(_spec(pdf, *source, "application/xml", Name.Source))
        for name, data in assets if assets is not None else [("img/signature.png", PNG)]:
            specs.append(_spec(pdf, name, data, "image/png", Name.Supplement))
        for name, encoded in raw_assets or []:
            spec = _spec(pdf, name, b"", "image/png", Name.Supplement)
            spec.EF.F.write(encoded, filter=Name.FlateDecode)
            specs.append(spec)
        pdf.Root.AF = Array(specs)
        pdf.save(path)
    return path


def _spec(pdf: pikepdf.Pdf, name: str, data: bytes, mime: str, relationship) -> pikepdf.Object:
    spec = pikepdf.AttachedFileSpec(
        pdf, data, filename=name, mime_type=mime, relationship=relationship
    )
    return pdf.make_indirect(spec.obj)


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["extract", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def files_below(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# -- the three ways to extract --------------------------------------------------------


def test_a_folder_gets_the_source_and_every_asset(tmp_path: Path) -> None:
    pdf = make_pdf(
        tmp_path / "x.pdf", assets=[("img/signature.png", PNG), ("figures/a/chart.svg", SVG)]
    )
    out = tmp_path / "out"
    code, _stdout, err = run(pdf, "-o", out)
    assert code == 0, err
    assert files_below(out) == {
        "letter.xml": SOURCE,
        "img/signature.png": PNG,
        "figures/a/chart.svg": SVG,
    }
    assert err.strip() == f"wrote {out / 'letter.xml'} and 2 assets"
    found = extract(pdf)
    assert [(a.name, a.mime) for a in found.assets] == [
        ("img/signature.png", "image/png"),
        ("figures/a/chart.svg", "image/png"),
    ]


def test_without_output_only_the_xml_goes_to_stdout(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf")
    result = CliRunner().invoke(main, ["extract", str(pdf)])
    assert result.exit_code == 0
    assert result.stdout_bytes == SOURCE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]


def test_an_xml_file_name_gets_only_the_source(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf")
    target = tmp_path / "again" / "mine.XML"
    code, _out, _err = run(pdf, "-o", target)
    assert code == 0
    assert target.read_bytes() == SOURCE
    assert files_below(tmp_path / "again") == {"mine.XML": SOURCE}


def test_an_asset_with_a_hostile_name_does_not_stop_the_xml_alone(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", assets=[("../../evil.png", PNG)])
    code, out, _err = run(pdf)
    assert code == 0 and out.encode() == SOURCE


def test_extract_of_an_example_rebuilds_the_same_bytes(tmp_path: Path, built) -> None:
    out = tmp_path / "folder"
    code, _stdout, err = run(built["navo-ministeriele-2022"], "-o", out)
    assert code == 0, err
    source = out / "navo-ministeriele-2022.xml"
    assert files_below(out) == {source.name: (INPUT / source.name).read_bytes()}
    assert build_letter(source).pdf == built["navo-ministeriele-2022"].read_bytes()


# -- hostile names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.png", "'..'"),
        ("img/../../evil.png", "'..'"),
        ("/etc/evil.png", "absolute"),
        ("C:/evil.png", "colon"),
        ("c:evil.png", "colon"),
        ("img\\..\\evil.png", "backslash"),
        ("img//evil.png", "empty folder name"),
        ("./evil.png", "'.'"),
        ("img/", "empty folder name"),
        ("evil\x00.png", "control characters"),
        ("evil\n.png", "control characters"),
        ("a" * 256 + ".png", "longer than 255"),
        ("/".join(["d"] * 40), "deep"),
    ],
)
def test_unsafe_names_are_refused_and_nothing_is_written(
    tmp_path: Path, name: str, why: str
) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", assets=[("img/fine.png", PNG), (name, PNG)])
    out = tmp_path / "deep" / "out"
    code, _out, err = run(pdf, "-o", out)
    assert code == 6, err
    assert err.startswith(f"{pdf}: error: unsafe embedded file name") and why in err
    assert len(err.strip().splitlines()) == 1
    # Names are checked before anything is written: not even the folder exists.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]
    assert not Path("/etc/evil.png").exists()


def test_an_unsafe_source_name_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", source=("../letter.xml", SOURCE), assets=[])
    code, _out, err = run(pdf, "-o", tmp_path / "out")
    assert code == 6 and "unsafe embedded file name '../letter.xml'" in err
    assert not (tmp_path / "letter.xml").exists()


@pytest.mark.parametrize(
    "assets",
    [
        [("img/a.png", PNG), ("img/a.png", SVG)],  # the same path twice
        [("img", PNG), ("img/a.png", PNG)],  # a file where a folder must go
        [("letter.xml", PNG)],  # an asset over the source
    ],
)
def test_clashing_names_are_refused(tmp_path: Path, assets) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", assets=assets)
    code, _out, err = run(pdf, "-o", tmp_path / "out")
    assert code == 6 and ("two embedded files" in err or "share the name" in err), err
    assert not (tmp_path / "out").exists()


def test_safe_path_accepts_ordinary_src_paths() -> None:
    for name in ("signature.png", "img/signature.png", "a b/ü-é.svg", "..hidden/x..png"):
        assert str(safe_path(name)) == name


# -- symlinks in the way --------------------------------------------------------------------


def test_a_symlinked_folder_in_the_way_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf")
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "img").symlink_to(outside)
    code, _out, err = run(pdf, "-o", out)
    assert code == 2
    assert "symlink" in err and str(out / "img") in err
    assert list(outside.iterdir()) == []


def test_a_symlinked_file_in_the_way_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    out = tmp_path / "out"
    (out / "img").mkdir(parents=True)
    (out / "img" / "signature.png").symlink_to(victim)
    code, _out, err = run(pdf, "-o", out)
    assert code == 2 and "symlink" in err
    assert victim.read_bytes() == b"keep me"


def test_the_output_folder_may_be_a_symlink_the_user_chose(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    code, _out, _err = run(make_pdf(tmp_path / "x.pdf"), "-o", tmp_path / "link")
    assert code == 0 and files_below(real) == {"letter.xml": SOURCE, "img/signature.png": PNG}


# -- size ----------------------------------------------------------------------------------------


def inflating_to(mebibytes: int) -> bytes:
    """A Flate stream of about 1 KiB per MiB of zeros (a decompression bomb).

    Full flushes make each 1 MiB block independent, so one block repeated
    gives a valid stream without compressing a gibibyte.
    """
    compressor = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()[:-4]  # the final block, without the checksum of 2 MiB
    checksum = 1
    for _ in range(mebibytes):
        checksum = zlib.adler32(chunk, checksum)
    return first + block * (mebibytes - 1) + tail + checksum.to_bytes(4, "big")


def test_a_one_megabyte_pdf_does_not_write_a_gibibyte(tmp_path: Path) -> None:
    bomb = inflating_to(1024)
    assert len(bomb) < 1_100_000
    pdf = make_pdf(tmp_path / "x.pdf", assets=[], raw_assets=[("img/bomb.png", bomb)])
    out = tmp_path / "out"
    code, _out, err = run(pdf, "-o", out)
    assert code == 6
    assert "decode to more than 41943040 bytes" in err and "BRIEFPERS_MAX_SOURCE_BYTES" in err
    assert not out.exists()


def test_the_limit_follows_the_source_size_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eight = inflating_to(8)
    pdf = make_pdf(tmp_path / "x.pdf", assets=[], raw_assets=[("img/big.png", eight)])
    code, _out, _err = run(pdf, "-o", tmp_path / "a")
    assert code == 0 and (tmp_path / "a" / "img" / "big.png").stat().st_size == 8 << 20
    monkeypatch.setenv("BRIEFPERS_MAX_SOURCE_BYTES", str(1 << 20))  # 4 MiB in all
    code, _out, err = run(pdf, "-o", tmp_path / "b")
    assert code == 6 and "more than 4194304 bytes" in err
    assert not (tmp_path / "b").exists()
    with pytest.raises(CheckError, match="more than 1000 bytes"):
        extract(pdf, max_bytes=1000)


# -- broken input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["garbage", "fifo", "missing", "no-source", "damaged-stream"])
def test_broken_pdfs_are_one_clear_line(tmp_path: Path, kind: str) -> None:
    pdf = tmp_path / "x.pdf"
    if kind == "garbage":
        pdf.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    elif kind == "fifo":
        import os

        os.mkfifo(pdf)
    elif kind == "no-source":
        make_pdf(pdf, source=None)
    elif kind == "damaged-stream":
        make_pdf(pdf, source=None, raw_assets=[("img/x.png", b"not zlib at all")])
        with pikepdf.open(pdf, allow_overwriting_input=True) as opened:
            spec = opened.Root.AF[0]
            spec.AFRelationship = Name.Source
            spec.UF = spec.F = pikepdf.String("letter.xml")
            opened.save(pdf)
    code, _out, err = run(pdf, "-o", tmp_path / "out")
    assert code == 6, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{pdf}: error: ")
    assert "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
