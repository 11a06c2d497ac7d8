"""Renew the archive timestamp of a signed PDF (PAdES B-LTA), as an incremental update.

A document timestamp keeps a signed letter verifiable only while its own
certificate and algorithms hold. Before that ends, an archive renews it: one
new revision holds the validation data of the last timestamp (its timestamp
authority's certificates and their revocation data, fetched now, while they
can still be had) and of the new one, and a new document timestamp over the
whole file, in a new field tagged like the others, so PDF/A and PDF/UA hold.

The last timestamp must still be intact, valid and trusted: renewing one
that no longer validates would only timestamp a broken chain. Everything
happens in memory: a failure leaves the file as it was.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import aiohttp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import timestamps
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.errors import (
    CertificateFetchError,
    CRLFetchError,
    OCSPFetchError,
    PathBuildingError,
    ValidationError,
)

from briefpers.errors import CheckError, ServiceError, SignatureError
from briefpers.sign.diff_rule import diff_policy
from briefpers.sign.field import add_signature_field, timestamp_description, unique_name
from briefpers.sign.signing import (
    TIMESTAMP_FIELD,
    error_text,
    fetching_context,
    open_writer,
    timestamp_into,
)
from briefpers.sign.verify import ALLOWED_AFTER

# pyHanko's own names for what went wrong, kept short for one line.
_SERVICE_ERRORS = (TimeoutError, aiohttp.ClientError, timestamps.TimestampRequestError)
_FETCH_ERRORS = (CertificateFetchError, CRLFetchError, OCSPFetchError)


@dataclass(frozen=True)
class Renewed:
    """A PDF with a new archive timestamp, and what was renewed."""

    data: bytes
    field: str  # the new timestamp's field
    previous: str  # the field of the timestamp it renews
    previous_time: str  # when that timestamp was made (ISO 8601)


def renew_pdf(
    data: bytes,
    tsa: str,
    trust: list[asn1_x509.Certificate],
    *,
    timeout: float,
    path: Path | str,
) -> Renewed:
    """Add the last timestamp's validation data and a new document timestamp to `data`.

    `trust`: anchors for the last timestamp's authority (with the public
    roots certifi ships). CheckError: not a timestamped PDF or unreadable;
    SignatureError: the last timestamp no longer validates; ServiceError: the
    timestamp authority or a revocation service did not answer.
    """
    try:
        return asyncio.run(_renew(data, tsa, trust, timeout, path))
    except PdfError as exc:
        raise CheckError(f"cannot renew this PDF: {error_text(exc)}", path=path) from None
    except _SERVICE_ERRORS as exc:
        what = error_text(exc) or type(exc).__name__
        raise ServiceError(
            f"the timestamp authority did not answer ({tsa}): {what}", path=path
        ) from None
    except _FETCH_ERRORS as exc:
        raise ServiceError(f"cannot fetch validation data: {error_text(exc)}", path=path) from None
    except (PathBuildingError, ValidationError) as exc:
        raise SignatureError(
            f"the last archive timestamp no longer validates: {error_text(exc)}", path=path
        ) from None


async def _renew(
    data: bytes, tsa: str, trust: list[asn1_x509.Certificate], timeout: float, path: Path | str
) -> Renewed:
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        encrypted = reader.encrypted
        stamps = [] if encrypted else reader.embedded_timestamp_signatures
    except Exception as exc:  # untrusted bytes: whatever pyHanko cannot read, one line
        raise CheckError(f"not a PDF that can be read: {error_text(exc)}", path=path) from None
    if encrypted:
        raise CheckError("cannot renew this PDF: it is encrypted", path=path)
    if not stamps:
        raise CheckError(
            "has no archive timestamp to renew: sign it at level B-LTA first", path=path
        )
    last = stamps[-1]
    context = fetching_context(list(trust), timeout)
    try:
        status = await async_validate_pdf_timestamp(
            last, validation_context=context, diff_policy=diff_policy()
        )
        problem = _problem(status)
        if problem:
            raise SignatureError(
                f"the last archive timestamp ({last.field_name}) {problem}; it cannot be renewed",
                path=path,
            )
        writer = open_writer(data)
        # The last timestamp's chain and revocation data, fetched now (the
        # validation above cached them), before the new timestamp covers them.
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, paths=(status.validation_path,), validation_context=context
        )
        name = unique_name(writer, TIMESTAMP_FIELD)
        add_signature_field(writer, name, timestamp_description(writer))
        timestamper = timestamps.HTTPTimeStamper(tsa, timeout=timeout)
        data = await timestamp_into(writer, name, timestamper, context)
    finally:
        await context.aclose()
    return Renewed(data, name, last.field_name, status.timestamp.isoformat())


def _problem(status) -> str | None:
    """Why the last timestamp cannot be renewed, or None."""
    if not status.intact:
        return "covers bytes that were changed"
    if not status.valid:
        return "is not valid"
    if not status.trusted:
        return "does not lead to a trusted authority (--trust)"
    if status.modification_level not in ALLOWED_AFTER:
        return "is followed by changes other than validation data, timestamps and signatures"
    return None
