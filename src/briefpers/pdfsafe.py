"""Reading PDFs that may be hostile: regular files only, bounded stream decoding.

`check` and `extract` read PDFs that anyone may have made. A FIFO or a
device given as a PDF is refused at once (opening it must not block); a
stream is decoded only up to a byte limit, so that a small file cannot
inflate to gigabytes; every way pikepdf (qpdf) reports a damaged file becomes
one CheckError line naming the file.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zlib
from pathlib import Path

import pikepdf

from briefpers.errors import CheckError

# What reading a damaged or hostile PDF can raise, from qpdf or from walking
# objects whose types are not what the specification says.
PDF_ERRORS: tuple[type[BaseException], ...] = (
    pikepdf.PdfError,
    pikepdf.ForeignObjectError,
    RuntimeError,  # includes RecursionError
    ValueError,  # includes UnicodeDecodeError
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    OSError,
)

# qpdf names an input stream "stream <_io.BufferedReader name=3>" or "<stream>".
_STREAM_NAME = re.compile(r"^(?:stream )?<[^>]*>:? *|^empty input stream: *")

# The most a filter other than plain Flate can expand its input (LZW with
# 12-bit codes stays below this): streams that could exceed the limit are not
# handed to qpdf to decode at all.
_MAX_EXPANSION = 4096


def open_pdf(source: Path | bytes, *, path: Path | str | None = None) -> pikepdf.Pdf:
    """Open a PDF from a regular file or from bytes; CheckError if it is not one."""
    where = path if path is not None else (source if isinstance(source, Path) else None)
    if isinstance(source, bytes | bytearray | memoryview):
        stream: io.BufferedIOBase = io.BytesIO(bytes(source))
    else:
        stream = _open_regular(Path(source))
    try:
        # pikepdf reads the stream lazily and closes it with the Pdf.
        return pikepdf.open(stream)
    except pikepdf.PasswordError:
        stream.close()
        raise CheckError("the PDF is encrypted", path=where) from None
    except PDF_ERRORS as exc:
        stream.close()
        raise CheckError(f"not a readable PDF: {describe(exc)}", path=where) from None


def _open_regular(path: Path) -> io.BufferedReader:
    # O_NONBLOCK: opening a FIFO without a writer returns at once instead of
    # waiting forever; fstat on the open descriptor then tells what it is.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise CheckError("no such file", path=path) from None
    except IsADirectoryError:
        raise CheckError("is a folder, not a PDF", path=path) from None
    except OSError as exc:
        raise CheckError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise CheckError("is a folder, not a PDF", path=path)
        if not stat.S_ISREG(mode):
            raise CheckError("not a regular file (a pipe or a device?): refused", path=path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def as_dict(obj: object) -> pikepdf.Object | None:
    """`obj` if it is a dictionary or a stream (whose dictionary is meant), else
    None: a hostile file may put anything where a dictionary belongs."""
    if isinstance(obj, pikepdf.Object) and obj._type_code in _DICTIONARY_TYPES:
        return obj
    return None


_DICTIONARY_TYPES = (pikepdf.ObjectType.dictionary, pikepdf.ObjectType.stream)


def describe(exc: BaseException) -> str:
    """qpdf's message on one line, without the name it gives the input stream."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _STREAM_NAME.sub("", text) or text


class StreamTooLargeError(Exception):
    """A stream decodes to more bytes than allowed."""


def read_stream(stream: pikepdf.Object, limit: int) -> bytes:
    """The decoded data of `stream`, or StreamTooLargeError past `limit` bytes.

    Plain Flate (the filter of nearly every stream) is inflated here with a
    cap, so a bomb stops at the limit; other filters are left to qpdf only
    when the encoded length bounds the result below the limit.
    """
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = list(filters)
        if len(filters) == 1:
            filters = filters[0]
    params = stream.get("/DecodeParms")
    length = stream.get("/Length")
    if isinstance(length, int) and length > 2 * limit + 4096:
        # Decoding shrinks data by half at most (ASCIIHex): do not even read it.
        raise StreamTooLargeError(f"a stream of {length} bytes exceeds the limit of {limit} bytes")
    raw = stream.read_raw_bytes()
    if filters is None:
        data = raw
    elif filters == pikepdf.Name.FlateDecode:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise pikepdf.DataDecodingError(f"damaged Flate stream: {exc}") from None
        if len(data) <= limit and _has_predictor(params):
            # The inflated size is known to be within the limit, and a
            # predictor only shrinks it: qpdf may now decode it whole.
            data = stream.read_bytes()
    elif len(raw) * _MAX_EXPANSION <= limit:
        data = stream.read_bytes()
    else:
        raise StreamTooLargeError(
            f"a stream of {len(raw)} bytes with filters {filters} "
            f"may decode to more than {limit} bytes"
        )
    if len(data) > limit:
        raise StreamTooLargeError(f"a stream decodes to more than {limit} bytes")
    return data


def _has_predictor(params: object) -> bool:
    if isinstance(params, pikepdf.Array):
        params = params[0] if len(params) else None
    return isinstance(params, pikepdf.Dictionary) and int(params.get("/Predictor", 1)) > 1
