"""A self-contained archive copy: every file the letter shows is embedded beside its source."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from briefpers.pipeline import build_letter

from .letter_kit import image_bytes, letter, noisy_png, signatory

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
    b'<image href="dot.png" width="10" height="10"/></svg>'
)


def make(folder: Path) -> tuple[Path, dict[str, bytes]]:
    files = {
        "img/chart.png": noisy_png(),
        "img/signature.png": noisy_png((60, 30)),
        "photo.jpg": image_bytes("CMYK", (30, 20), (0, 0, 255, 0), "JPEG"),
        "img/shape.svg": SVG,
        "img/dot.png": noisy_png((8, 8)),
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    path = letter(
        folder,
        '<p>Tekst.</p><figure src="img/chart.png" alt="Een grafiek"/>'
        '<figure src="./photo.jpg" alt="Een foto"/>'
        '<figure src="img/shape.svg" alt="Een vlak"/>'
        '<figure src="img/chart.png" alt="Dezelfde grafiek"/>',
        after=signatory("img/signature.png"),
    )
    return path, files


def associated(pdf: bytes) -> list[dict[str, object]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        names = set(doc.attachments)
        found = []
        for spec in doc.Root.AF:
            stream = spec.EF.F
            found.append(
                {
                    "name": str(spec.UF),
                    "f": str(spec.F),
                    "relationship": str(spec.AFRelationship),
                    "mime": str(stream.Subtype),
                    "created": str(stream.Params.CreationDate),
                    "modified": str(stream.Params.ModDate),
                    "description": str(spec.get("/Desc", "")),
                    "data": stream.read_bytes(),
                    "in name tree": str(spec.UF) in names,
                }
            )
        return found


def test_every_referenced_file_follows_the_source(tmp_path: Path) -> None:
    path, files = make(tmp_path)
    entries = associated(build_letter(path).pdf)
    source, *rest = entries
    assert source["name"] == "letter.xml" and source["relationship"] == "/Source"
    assert [e["name"] for e in rest] == [
        "img/chart.png",  # the source's order, each file once, names as written
        "./photo.jpg",
        "img/shape.svg",
        "img/signature.png",
        "img/dot.png",  # referred to by the SVG, named by its path in the letter's folder
    ]
    for entry in rest:
        assert entry["relationship"] == "/Supplement"
        assert entry["f"] == entry["name"] and entry["in name tree"]
        assert entry["created"] == entry["modified"] == source["created"]
        assert entry["description"]
    by_name = {e["name"]: e for e in rest}
    # The bytes as read: the CMYK photo as written, not the sRGB copy that is printed.
    assert by_name["./photo.jpg"]["data"] == files["photo.jpg"]
    for name in ("img/chart.png", "img/signature.png", "img/shape.svg", "img/dot.png"):
        assert by_name[name]["data"] == files[name]
    assert {e["name"]: e["mime"] for e in rest} == {
        "img/chart.png": "/image/png",
        "./photo.jpg": "/image/jpeg",
        "img/shape.svg": "/image/svg+xml",
        "img/signature.png": "/image/png",
        "img/dot.png": "/image/png",
    }
    assert "Figure" in by_name["img/chart.png"]["description"]
    assert "Signature" in by_name["img/signature.png"]["description"]


def test_a_letter_without_files_embeds_only_its_source(tmp_path: Path) -> None:
    entries = associated(build_letter(letter(tmp_path, "<p>Tekst.</p>")).pdf)
    assert [e["relationship"] for e in entries] == ["/Source"]


def test_the_pdfa2_profile_embeds_nothing(tmp_path: Path) -> None:
    path, _ = make(tmp_path)
    with pikepdf.open(io.BytesIO(build_letter(path, profile="pdfa-2a-ua1").pdf)) as doc:
        assert "/AF" not in doc.Root and len(doc.attachments) == 0
