"""Images as the typesetter may use them: format from the bytes, fully decoded, bounded.

Every resource the typesetter fetches passes `prepare` (typeset.py). The
format is sniffed from the content, never taken from the file name:

- a raster image (PNG, JPEG, GIF, WebP, TIFF, BMP) is decoded in full, so a
  truncated or damaged file is an error instead of a half-blank figure; it
  may have at most MAX_IMAGE_PIXELS pixels (checked before decoding). CMYK
  (and YCCK, which decodes to CMYK) is converted to sRGB, through the
  image's own ICC profile when it has one: PDF/A with an sRGB output intent
  may not show uncalibrated DeviceCMYK. Other colour modes that a PDF page
  cannot take as they are become RGB or grey, or are refused;
- an XML document must be an SVG image whose numbers are bounded (an SVG
  1e30 wide, or with a viewBox that scales by 1e30, writes numbers that no
  PDF may hold);
- anything else (fonts, stylesheets) passes unchanged.

Converting is deterministic: the same bytes give the same bytes.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator

MAX_IMAGE_PIXELS = 50_000_000  # an A4 page scanned at 600 dpi has 35 million
RASTER_MIME = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # a camera's JPEG with more pictures; the first is used
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
}
# Pillow's openers for them (its JPEG opener also reads MPO).
OPENERS = ("PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP")
SVG_MIME = "image/svg+xml"
SVG_NS = "http://www.w3.org/2000/svg"
# Numbers in an SVG: PDF/A allows integers up to 2^31 - 1 and the typesetter
# writes reals without an exponent; 1e7 even in inches stays below that.
MAX_SVG_NUMBER = 1e7
MIN_VIEWBOX = 1e-3  # a viewBox this small already scales its content by ~10^5
# Modes the typesetter embeds as they are ("I": WeasyPrint makes it RGB).
AS_IS = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})
# Modes that become one of those without a colour decision.
REPACKED = {"PA": "RGBA", "RGBa": "RGBA", "RGBX": "RGB", "La": "LA", "YCbCr": "RGB"}
# A number that may exceed MAX_SVG_NUMBER: eight or more digits, or an exponent.
BIG_NUMBER = re.compile(r"\d{8,}(?:\.\d*)?|(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")
SEPARATED = re.compile(r"[\s,]+")
CSS_URL = re.compile(r"url\([^)]*\)")  # a data: URI's base64 may hold long digit runs
NOT_NUMERIC = frozenset({"href", "id", "class", "lang", "space", "base", "font-family"})


class ImageRefusedError(Exception):
    """An image the typesetter must not use; the message says why."""


def raster_format(data: bytes) -> str | None:
    """The raster format the leading bytes announce (Pillow's name), if any."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    if data.startswith((b"II*\0", b"MM\0*")):
        return "TIFF"
    if data.startswith(b"BM"):
        return "BMP"
    return None


def mime_type(data: bytes) -> str:
    """The MIME type of a file the letter references, from its content."""
    fmt = raster_format(data)
    if fmt is not None:
        return RASTER_MIME[fmt]
    if _looks_like_xml(data):
        root = _xml_root(data)
        if root is not None and _is_svg(root):
            return SVG_MIME
        return "application/xml"
    return "application/octet-stream"


def prepare(name: str, data: bytes) -> tuple[bytes, str | None]:
    """The bytes the typesetter may use for a resource and their MIME type
    (None: not an image); ImageRefusedError if it is an image it must not use."""
    fmt = raster_format(data)
    if fmt is not None:
        return _cached(name, data, fmt)
    if _looks_like_xml(data):
        root = _xml_root(data)
        if root is None:  # not XML after all; as an image, the typesetter refuses it
            return data, None
        _check_svg(name, root)
        return _crisp_images(root) or data, SVG_MIME
    return data, None


# Raster images -----------------------------------------------------------------

_verdicts: OrderedDict[str, tuple[bytes | None, str]] = OrderedDict()
_verdicts_lock = threading.Lock()
CACHE_SIZE = 64  # verdicts; a converted image is kept only when small
CACHE_CONVERTED_BYTES = 4 * 1024 * 1024


def _cached(name: str, data: bytes, fmt: str) -> tuple[bytes, str]:
    """Decode once per process: the same signature image serves every letter."""
    digest = hashlib.sha256(data).hexdigest()
    with _verdicts_lock:
        if digest in _verdicts:
            _verdicts.move_to_end(digest)
            converted, mime = _verdicts[digest]
            return converted or data, mime
    converted, mime = _raster(name, data, fmt)
    if converted is None or len(converted) <= CACHE_CONVERTED_BYTES:
        with _verdicts_lock:
            _verdicts[digest] = (converted, mime)
            while len(_verdicts) > CACHE_SIZE:
                _verdicts.popitem(last=False)
    return converted or data, mime


def _raster(name: str, data: bytes, fmt: str) -> tuple[bytes | None, str]:
    """Check a raster image by decoding it; new bytes if it had to be converted."""
    from PIL import Image, TiffImagePlugin, WebPImagePlugin  # noqa: F401 - registers them

    Image.preinit()  # registers PNG, JPEG, GIF, BMP: `formats=` only looks names up
    try:
        image = Image.open(io.BytesIO(data), formats=OPENERS)
    except Image.DecompressionBombError as exc:
        raise ImageRefusedError(f"{name}: {exc}") from None
    except Exception as exc:
        raise ImageRefusedError(f"{name}: not a readable {fmt} image ({_detail(exc)})") from None
    with image:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageRefusedError(
                f"{name}: an image of {width} × {height} pixels, more than the limit "
                f"of {MAX_IMAGE_PIXELS:,}"
            )
        if width == 0 or height == 0:
            raise ImageRefusedError(f"{name}: an image without pixels ({width} × {height})")
        try:
            with _strict_decoding():
                image.load()
        except Exception as exc:
            raise ImageRefusedError(
                f"{name}: a damaged or incomplete {image.format or fmt} image ({_detail(exc)})"
            ) from None
        return _converted(name, image), RASTER_MIME.get(image.format or fmt, RASTER_MIME[fmt])


# WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES (a module global) so that it
# never fails on a truncated file; it then pads it with grey. Our check must
# see the truncation, so it turns the flag off while it decodes. The
# typesetter lock (typeset._engine) serialises this with WeasyPrint's own
# decoding, and the flag only makes decoding stricter, never laxer.
_strict_lock = threading.Lock()


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    from PIL import ImageFile

    with _strict_lock:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _converted(name: str, image) -> bytes | None:
    """The image re-encoded in a mode a PDF/A page takes, or None if it is fine."""
    mode = image.mode
    if mode in AS_IS:
        return None
    if mode == "CMYK":
        rgb = _cmyk_to_srgb(image)
    elif mode.startswith("I;16") or mode == "I":
        rgb = _sixteen_bit_to_grey(image)
        if rgb is None:
            return None  # 8-bit values in a wide mode: WeasyPrint makes them RGB
    elif mode in REPACKED:
        rgb = image.convert(REPACKED[mode])
    else:
        raise ImageRefusedError(
            f"{name}: an image in colour mode {mode}, which a PDF/A page cannot show "
            "(save it as RGB)"
        )
    out = io.BytesIO()
    if image.format in ("JPEG", "MPO") and rgb.mode in ("RGB", "L"):
        rgb.save(out, format="JPEG", quality=95, subsampling=0)  # a photo stays a JPEG
    else:
        rgb.save(out, format="PNG")
    return out.getvalue()


def _cmyk_to_srgb(image):
    """CMYK (or decoded YCCK) pixels as sRGB: through the embedded ICC profile
    when there is a usable one, else Pillow's plain formula."""
    profile = image.info.get("icc_profile")
    if profile:
        try:
            from PIL import ImageCms

            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
                outputMode="RGB",
            )
        except Exception:  # no LittleCMS, or a damaged or non-CMYK profile
            pass
    return image.convert("RGB")


def _sixteen_bit_to_grey(image):
    """A grey image with 16-bit values as 8-bit grey (Pillow would clip them)."""
    wide = image.convert("I")
    low, high = wide.getextrema()
    if high <= 255 and low >= 0:
        return None if image.mode == "I" else wide.convert("L")
    return wide.point(lambda value: value * (1 / 256)).convert("L")


def _detail(exc: BaseException) -> str:
    """An exception as a short phrase (Pillow names a BytesIO at an address)."""
    text = re.sub(r" ?<[^<>]* at 0x[0-9a-fA-F]+>", "", str(exc)) or type(exc).__name__
    return " ".join(text.split())[:160]


# SVG ---------------------------------------------------------------------------


def _looks_like_xml(data: bytes) -> bool:
    """Whether the bytes start like an XML document (after a byte order mark)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = data[:1024].removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    return head.startswith(b"<")


def _xml_root(data: bytes):
    """The parsed document's root element, or None if it is not well-formed XML.

    No network, no external entities or DTDs; internal entities are expanded
    within libxml2's own limits (drawing programs declare namespaces so).
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities="internal",
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _is_svg(root) -> bool:
    # WeasyPrint draws an `svg` root without a namespace too.
    return isinstance(root.tag, str) and root.tag in (f"{{{SVG_NS}}}svg", "svg")


def _check_svg(name: str, root) -> None:
    """An SVG root, bounded numbers, positive viewBoxes; else ImageRefusedError."""
    if not _is_svg(root):
        tag = root.tag.rpartition("}")[2] if isinstance(root.tag, str) else "?"
        raise ImageRefusedError(f"{name}: not an image: an XML document <{tag}>, not an SVG")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        values = [(a, v) for a, v in element.attrib.items() if _numeric(_local(a))]
        if _local(element.tag) == "style" and element.text:
            values.append(("style", element.text))
        for attr, value in values:
            for match in BIG_NUMBER.finditer(CSS_URL.sub("", value)):
                if not abs(float(match.group())) <= MAX_SVG_NUMBER:
                    raise ImageRefusedError(
                        f"{name}: an SVG image with the number {match.group()[:24]} in "
                        f"{_local(attr)}; numbers may be at most {MAX_SVG_NUMBER:,.0f}"
                    )
        box = element.get("viewBox")
        if box is not None:
            _check_viewbox(name, box)


def _check_viewbox(name: str, box: str) -> None:
    try:
        numbers = [float(n) for n in SEPARATED.split(box.strip())]
    except ValueError:
        return  # not a viewBox at all: the SVG renderer ignores it
    if len(numbers) == 4 and not (numbers[2] >= MIN_VIEWBOX and numbers[3] >= MIN_VIEWBOX):
        raise ImageRefusedError(
            f"{name}: an SVG image with viewBox {box.strip()[:60]!r}: its width and height "
            f"must be at least {MIN_VIEWBOX:g}"
        )


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _numeric(attr: str) -> bool:
    """Whether an attribute may hold geometry (not a link, a name or a text)."""
    return attr not in NOT_NUMERIC and not attr.startswith(("data-", "aria-"))


def _crisp_images(root) -> bytes | None:
    """The SVG again, with every raster `<image>` drawn without interpolation, or
    None if none needs it. WeasyPrint gives an SVG image /Interpolate true
    unless its `image-rendering` attribute says otherwise, and PDF/A forbids
    that (the stylesheet does the same for HTML images)."""
    changed = False
    for element in root.iter(f"{{{SVG_NS}}}image", "image"):
        if element.get("image-rendering", "auto") == "auto":
            element.set("image-rendering", "optimizeSpeed")
            changed = True
    if not changed:
        return None
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
