"""Fenced workaround: pyHanko's incremental writer, without its metadata update.

pyHanko rewrites the Info dictionary and the XMP packet in every incremental
update it writes: `xmp:ModifyDate` and `/ModDate` become the moment of
signing, `pdf:Producer` becomes pyHanko, and the XMP is re-serialised through
its own data model (pyHanko issue #223, "pyHanko adding itself as PDF
producer"; #755, the re-serialisation broke PDF/A extension schemas). A
signature changes nothing the metadata describes: our XMP (the letter's date,
producer, extension schemas) must stay as the build wrote it, byte for byte,
so the unsigned revision and the signed file say the same.

The maintainer's advice in #223 is to override the private `_update_meta`;
this module is the only place that does, on a subclass of our own (pyHanko's
own writers are untouched). The contract is checked at import: if pyHanko
no longer has the method, signing fails loudly instead of silently letting
pyHanko touch the metadata again.
"""

from __future__ import annotations

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from briefpers.errors import DependencyError

UPSTREAM = "pyHanko issues #223 and #755"


def _check_contract() -> None:
    hook = getattr(BasePdfFileWriter, "_update_meta", None)
    if not callable(hook):
        raise DependencyError(
            f"pyHanko's writer no longer has _update_meta ({UPSTREAM}): this pyHanko is not "
            "supported for signing; check briefpers.sign.quiet_writer against it"
        )


_check_contract()


class QuietWriter(IncrementalPdfFileWriter):
    """An incremental update that leaves the Info dictionary and the XMP as they are."""

    def _update_meta(self) -> None:
        return None
