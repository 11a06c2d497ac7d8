"""Read the embedded XML source, and the assets embedded next to it, out of an archival PDF.

The archive copy carries the letter's source as an associated file
(`/AFRelationship /Source`) and may carry every asset the source references
(images) as associated files with `/AFRelationship /Supplement`, each named
by its `src` path as written in the source (`img/signature.png`).

The PDF is untrusted: names are checked before anything is written (relative,
no `..`, no backslashes or drive letters, no control characters), and the
decoded size is bounded: a small PDF can hold a stream that inflates to
gigabytes. Everything wrong with the PDF is a CheckError (exit 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pikepdf

from briefpers.errors import CheckError
from briefpers.limits import Limits, env_name
from briefpers.pdfsafe import (
    PDF_ERRORS,
    StreamTooLargeError,
    as_dict,
    describe,
    open_pdf,
    read_stream,
)

# Everything extract decodes, source and assets together, is at most this
# many times the source size limit (40 MiB with the default 10 MiB): room
# for the images a letter references, no room for a decompression bomb.
SIZE_FACTOR = 4
MAX_ASSETS = 1000
MAX_NAME_BYTES = 1024  # a whole relative path
MAX_COMPONENT_BYTES = 255  # one folder or file name (the usual file system limit)
MAX_DEPTH = 32


def default_limit(limits: Limits | None = None) -> int:
    """The decoded bytes extract allows: SIZE_FACTOR × the source size limit."""
    return SIZE_FACTOR * (limits or Limits()).max_source_bytes


@dataclass(frozen=True)
class EmbeddedFile:
    name: str  # as embedded: the source's file name, an asset's src path
    data: bytes
    mime: str | None = None  # e.g. "image/png"

    @property
    def path(self) -> PurePosixPath:
        return PurePosixPath(self.name)


@dataclass(frozen=True)
class Extracted:
    source: EmbeddedFile
    assets: list[EmbeddedFile] = field(default_factory=list)


def extract_source(path: Path, *, max_bytes: int | None = None) -> tuple[str, bytes]:
    """The (file name, bytes) of the associated file with /AFRelationship /Source."""
    source = extract(path, max_bytes=max_bytes, assets=False).source
    return source.name, source.data


def extract(path: Path, *, max_bytes: int | None = None, assets: bool = True) -> Extracted:
    """The embedded source and (with `assets`) the Supplement files beside it.

    Names are checked (see `safe_path`) and the decoded bytes of all files
    together are bounded by `max_bytes` (default: `default_limit()`).
    """
    limit = default_limit() if max_bytes is None else max_bytes
    with open_pdf(Path(path)) as pdf:
        try:
            return _extract(pdf, path, limit, assets)
        except StreamTooLargeError:
            raise _too_large(path, limit) from None
        except CheckError:
            raise
        except PDF_ERRORS as exc:
            raise CheckError(f"damaged PDF: {describe(exc)}", path=path) from None


def _extract(pdf: pikepdf.Pdf, path: Path, limit: int, want_assets: bool) -> Extracted:
    files = pdf.Root.get("/AF")
    specs = [as_dict(spec) for spec in (list(files)[: MAX_ASSETS + 16] if _is_array(files) else [])]
    source: EmbeddedFile | None = None
    assets: list[EmbeddedFile] = []
    budget = limit
    for spec in specs:
        if spec is None:
            continue
        relationship = spec.get("/AFRelationship")
        stream = _embedded_stream(spec)
        if stream is None:
            continue
        if relationship == pikepdf.Name.Source and source is None:
            name = _file_name(spec) or f"{Path(path).stem}.xml"
            if len(safe_path(name, path).parts) != 1:
                raise CheckError(
                    f"the embedded source's name {name!r} is not a file name", path=path
                )
            data = read_stream(stream, budget)
            budget -= len(data)
            source = EmbeddedFile(name, data, _mime(stream))
        elif relationship == pikepdf.Name.Supplement and want_assets:
            if len(assets) == MAX_ASSETS:
                raise CheckError(f"more than {MAX_ASSETS} embedded assets", path=path)
            name = _file_name(spec)
            if name is None:
                raise CheckError("an embedded asset has no file name", path=path)
            safe_path(name, path)
            data = read_stream(stream, budget)
            budget -= len(data)
            assets.append(EmbeddedFile(name, data, _mime(stream)))
    if source is None:
        raise CheckError("no embedded source (built with a profile that embeds none?)", path=path)
    _refuse_clashes(source, assets, path)
    return Extracted(source, assets)


def safe_path(name: str, pdf: Path | str | None = None) -> PurePosixPath:
    """`name` as a relative path that stays below the folder it is written to.

    Refused: absolute paths, `..` and `.`, empty components, backslashes,
    drive letters and other colons, control characters, over-long names.
    """

    def refuse(why: str) -> CheckError:
        return CheckError(f"unsafe embedded file name {name!r}: {why}", path=pdf)

    if not name:
        raise refuse("empty")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise refuse(f"longer than {MAX_NAME_BYTES} bytes")
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise refuse("control characters")
    if "\\" in name:
        raise refuse("a backslash")
    if ":" in name:
        raise refuse("a colon (a drive letter or a URL)")
    if name.startswith("/"):
        raise refuse("an absolute path")
    parts = name.split("/")
    if len(parts) > MAX_DEPTH:
        raise refuse(f"more than {MAX_DEPTH} folders deep")
    for part in parts:
        if part in ("", ".", ".."):
            raise refuse("'..', '.' or an empty folder name")
        if len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
            raise refuse(f"a name longer than {MAX_COMPONENT_BYTES} bytes")
    return PurePosixPath(*parts)


def _refuse_clashes(source: EmbeddedFile, assets: list[EmbeddedFile], path: Path) -> None:
    """Two files at one path, or a file where another needs a folder."""
    files = {source.path}
    folders: set[PurePosixPath] = set()
    for asset in assets:
        target = asset.path
        if target in files or target in folders:
            raise CheckError(f"two embedded files would be written to {asset.name!r}", path=path)
        files.add(target)
        folders.update(target.parents)
    clash = files & folders
    if clash:
        raise CheckError(
            f"an embedded file and a folder share the name {str(min(clash))!r}", path=path
        )


def _is_array(obj: object) -> bool:
    return isinstance(obj, pikepdf.Object) and obj._type_code == pikepdf.ObjectType.array


def _embedded_stream(spec: pikepdf.Object) -> pikepdf.Object | None:
    files = as_dict(spec.get("/EF"))
    if files is None:
        return None
    stream = files.get("/UF", files.get("/F"))
    if isinstance(stream, pikepdf.Object) and stream._type_code == pikepdf.ObjectType.stream:
        return stream
    return None


def _file_name(spec: pikepdf.Object) -> str | None:
    for key in ("/UF", "/F"):
        value = spec.get(key)
        if isinstance(value, pikepdf.Object) and value._type_code == pikepdf.ObjectType.string:
            return str(value)
    return None


def _mime(stream: pikepdf.Object) -> str | None:
    subtype = stream.get("/Subtype")
    if isinstance(subtype, pikepdf.Object) and subtype._type_code == pikepdf.ObjectType.name_:
        return str(subtype)[1:]
    return None


def _too_large(path: Path, limit: int) -> CheckError:
    return CheckError(
        f"the embedded files decode to more than {limit} bytes, the extract limit "
        f"({SIZE_FACTOR} × {env_name('max_source_bytes')})",
        path=path,
    )
