"""Identical bytes anywhere: the same letter and images in two folders, two working
directories and two homes give the same PDF, and no folder name is inside it."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pikepdf

from .letter_kit import letter, noisy_png, signatory

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
    b'<rect width="80" height="40" fill="#369"/><image href="dot.png" width="10" height="10"/>'
    b"</svg>"
)


def make(folder: Path) -> Path:
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "chart.png").write_bytes(noisy_png())
    (folder / "img" / "signature.png").write_bytes(noisy_png((60, 30)))
    (folder / "img" / "shape.svg").write_bytes(SVG)
    (folder / "img" / "dot.png").write_bytes(noisy_png((8, 8)))
    return letter(
        folder,
        '<p>Tekst.</p><figure src="img/chart.png" alt="Een grafiek"/>'
        '<figure src="img/shape.svg" alt="Een vlak"/>',
        after=signatory("img/signature.png"),
    )


def build(source: Path, out: Path, cwd: Path, home: Path) -> bytes:
    """The CLI in its own process, in `cwd`, with its own HOME and no user configuration."""
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFPERS_", "XDG_"))}
    env.update(HOME=str(home), PYTHONHASHSEED="random")
    env.pop("SOURCE_DATE_EPOCH", None)
    relative = os.path.relpath(source, cwd)
    subprocess.run(
        [sys.executable, "-m", "briefpers.cli", "build", relative, "-o", str(out)],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "letter.pdf").read_bytes()


def expanded(pdf: bytes) -> bytes:
    """Every stream decompressed, every object in the open (as `qpdf --qdf`)."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def test_same_bytes_in_two_folders(tmp_path: Path) -> None:
    first = make(tmp_path / "archief-noord" / "brieven")
    second = make(tmp_path / "other place" / "Zaak 2023")
    a = build(first, tmp_path / "out-a", cwd=first.parent, home=tmp_path / "home-a")
    b = build(second, tmp_path / "out-b", cwd=tmp_path, home=tmp_path / "home-b")
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()
    text = expanded(a)
    assert b"/Image" in text  # the images are there, drawn from the letters' folders
    for name in (b"archief-noord", b"brieven", b"other place", b"Zaak 2023", b"home-a"):
        assert name not in text, name
    assert str(tmp_path).encode() not in text
    assert str(Path.cwd()).encode() not in text
