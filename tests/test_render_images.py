"""Images are judged by their content: format, pixels, damage, colour mode, SVG numbers."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pikepdf
import pytest

from briefpers import images
from briefpers.errors import AssetError, ExitCode
from briefpers.pipeline import build_letter

from .letter_kit import image_bytes, letter, noisy_png
from .letter_kit import images as pdf_images

SVG = 'xmlns="http://www.w3.org/2000/svg"'


def bomb() -> bytes:
    sys.path.insert(0, str(Path(__file__).parent / "bad_input"))
    try:
        from make_cases import png
    finally:
        sys.path.pop(0)
    return png(9000, 7000)  # 63 million pixels in 80 kB


def figure_letter(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return letter(folder, f'<p>Tekst.</p><figure src="{name}" alt="Een figuur"/>')


def refused(folder: Path, name: str, data: bytes) -> str:
    with pytest.raises(AssetError) as info:
        build_letter(figure_letter(folder, name, data))
    assert info.value.exit_code == ExitCode.ASSET
    return str(info.value)


def test_a_png_named_svg_gets_the_pixel_limit(tmp_path: Path) -> None:
    message = refused(tmp_path, "chart.svg", bomb())
    assert message.endswith(
        "chart.svg: an image of 9000 × 7000 pixels, more than the limit of 50,000,000"
    )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (f'<svg {SVG} width="1e30" height="10"/>', "the number 1e30 in width"),
        (
            f'<svg {SVG} width="100" height="100" viewBox="0 0 1e30 1e30"/>',
            "the number 1e30 in viewBox",
        ),
        (
            f'<svg {SVG} width="100" height="100" viewBox="0 0 1e-30 1e-30"/>',
            "with viewBox '0 0 1e-30 1e-30': its width and height must be at least 0.001",
        ),
        (
            f'<svg {SVG} width="100" height="100"><rect x="-1e30" width="2e30" height="5"/></svg>',
            "the number 1e30 in x; numbers may be at most 10,000,000",
        ),
        (
            f'<svg {SVG} width="100" height="100"><style>rect {{ stroke-width: 100000000 }}'
            "</style></svg>",
            "the number 100000000 in style",
        ),
    ],
    ids=["wide", "huge-viewbox", "tiny-viewbox", "inner-number", "style"],
)
def test_svg_numbers_are_bounded(tmp_path: Path, svg: str, message: str) -> None:
    assert message in refused(tmp_path, "figure.svg", svg.encode())


def test_a_map_in_national_grid_coordinates_builds(tmp_path: Path) -> None:
    """Dutch RD coordinates run to 620,000: large, but within the bound."""
    svg = (
        f'<svg {SVG} width="300" height="200" viewBox="100000 400000 150000 100000">'
        '<path d="M 120000 420000 L 240000 480000 L 130000 490000 Z" fill="#456"/></svg>'
    )
    build_letter(figure_letter(tmp_path, "map.svg", svg.encode()))


def test_images_inside_an_svg_are_not_interpolated(tmp_path: Path) -> None:
    """PDF/A forbids /Interpolate true; WeasyPrint sets it for an SVG's <image>."""
    (tmp_path / "dot.png").write_bytes(noisy_png((8, 8)))
    svg = (
        f'<svg {SVG} id="figuur-20230519123456" width="80" height="40">'
        '<image href="dot.png" width="10" height="10"/>'
        '<image href="dot.png" x="20" width="10" height="10" image-rendering="auto"/></svg>'
    )
    pdf = _uncompressed(build_letter(figure_letter(tmp_path, "fig.svg", svg.encode())).pdf)
    assert pdf.count(b"/Subtype /Image") >= 1
    assert b"/Interpolate true" not in pdf


def test_xml_that_is_not_svg_is_refused(tmp_path: Path) -> None:
    xhtml = b'<html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html>'
    assert "figure.svg: not an image: an XML document <html>, not an SVG" in refused(
        tmp_path, "figure.svg", xhtml
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
def test_a_truncated_image_is_refused(tmp_path: Path, fmt: str) -> None:
    data = noisy_png(fmt=fmt)
    message = refused(tmp_path, "cut.img", data[: len(data) // 2])
    assert f"cut.img: a damaged or incomplete {fmt} image (" in message


def test_cmyk_jpeg_becomes_srgb(tmp_path: Path) -> None:
    cyan = image_bytes("CMYK", (60, 40), (255, 0, 0, 0), "JPEG")
    pdf = build_letter(figure_letter(tmp_path, "cyan.jpg", cyan)).pdf
    ((space, (r, g, b)),) = pdf_images(pdf)
    assert space == "/DeviceRGB"
    assert r < 10 and g > 245 and b > 245  # still cyan
    assert b"/DeviceCMYK" not in _uncompressed(pdf)


def test_ycck_jpeg_becomes_srgb(tmp_path: Path) -> None:
    """An Adobe JPEG with transform 2 is YCCK: it decodes to CMYK, and is converted."""
    cmyk = image_bytes("CMYK", (60, 40), (0, 255, 0, 0), "JPEG")
    at = cmyk.index(b"Adobe") + 11  # the APP14 transform byte
    ycck = cmyk[:at] + b"\x02" + cmyk[at + 1 :]
    from PIL import Image

    assert Image.open(io.BytesIO(ycck)).mode == "CMYK"
    pdf = build_letter(figure_letter(tmp_path, "ycck.jpg", ycck)).pdf
    assert [space for space, _ in pdf_images(pdf)] == ["/DeviceRGB"]
    assert b"/DeviceCMYK" not in _uncompressed(pdf)


def test_cmyk_tiff_and_a_jpeg_with_an_unusable_profile(tmp_path: Path) -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    magenta_jpeg = image_bytes(
        "CMYK", (60, 40), (0, 255, 0, 0), "JPEG", icc_profile=srgb
    )  # an RGB profile on CMYK pixels: the plain conversion is used
    yellow_tiff = image_bytes("CMYK", (60, 40), (0, 0, 255, 0), "TIFF")
    for name, data, expected in (
        ("m.jpg", magenta_jpeg, (255, 0, 255)),
        ("y.tif", yellow_tiff, (255, 255, 0)),
    ):
        pdf = build_letter(figure_letter(tmp_path / name, name, data)).pdf
        ((space, pixel),) = pdf_images(pdf)
        assert space == "/DeviceRGB"
        assert all(abs(a - b) < 12 for a, b in zip(pixel, expected, strict=True)), pixel


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    grey = image_bytes("I;16", (40, 40), 40000, "PNG")
    pdf = build_letter(figure_letter(tmp_path, "grey.png", grey)).pdf
    assert pdf_images(pdf) == [("/DeviceGray", 40000 // 256)]


def test_colour_modes_a_page_cannot_show_are_refused(tmp_path: Path) -> None:
    lab = image_bytes("LAB", (20, 20), (50, 0, 0), "TIFF")
    assert "lab.tif: an image in colour mode LAB, which a PDF/A page cannot show" in refused(
        tmp_path, "lab.tif", lab
    )


def test_conversion_is_deterministic() -> None:
    cmyk = image_bytes("CMYK", (64, 64), (10, 200, 30, 5), "JPEG")
    first, mime = images.prepare("a.jpg", cmyk)
    images._verdicts.clear()  # decode again, not from the cache
    second, _ = images.prepare("a.jpg", cmyk)
    assert first == second and first != cmyk and mime == "image/jpeg"


def test_fonts_and_stylesheets_pass_unchanged() -> None:
    for data in (b"\x00\x01\x00\x00rest of a font", b"p { color: red }", b"<!-- css -->p{}"):
        assert images.prepare("x", data) == (data, None)


def test_sniffed_mime_types() -> None:
    assert images.mime_type(image_bytes("RGB", (2, 2), 0, "PNG")) == "image/png"
    assert images.mime_type(image_bytes("RGB", (2, 2), 0, "JPEG")) == "image/jpeg"
    assert images.mime_type(image_bytes("RGB", (2, 2), 0, "GIF")) == "image/gif"
    assert images.mime_type(image_bytes("RGB", (2, 2), 0, "WEBP")) == "image/webp"
    assert images.mime_type(f"<svg {SVG}/>".encode()) == "image/svg+xml"
    assert images.mime_type(b"<html/>") == "application/xml"
    assert images.mime_type(b"\x00\x01") == "application/octet-stream"


def _uncompressed(pdf: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()
