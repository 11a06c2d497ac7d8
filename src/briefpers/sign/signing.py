"""Sign a finished PDF as an incremental update: PAdES B-B, B-T, B-LT or B-LTA.

The unsigned bytes are kept whole at the start of the file; what signing
appends is one revision with the tagged signature field (`field`) and the
signature (for B-LT also the document security store with the certificates
and the revocation data fetched for them), and for B-LTA a second revision
with the validation data of the timestamp authority and a document timestamp
in a field that the first revision already holds (tagged like the other), so
nothing later than the signature touches the structure tree. Metadata stays
as built (`quiet_writer`).

Everything happens in memory: the result is returned only when every step
succeeded, so a caller that writes it never leaves a half-signed file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import aiohttp
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import constants
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import (
    CertificateFetchError,
    CRLFetchError,
    OCSPFetchError,
    PathBuildingError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from briefpers.errors import CheckError, ServiceError, SignError
from briefpers.sign.field import (
    add_signature_field,
    signature_description,
    timestamp_description,
    unique_name,
)
from briefpers.sign.keys import Credentials, public_roots
from briefpers.sign.options import SignOptions
from briefpers.sign.quiet_writer import QuietWriter

MD = "sha256"
SIGNER_KEY_USAGE = {"digital_signature", "non_repudiation"}  # either one suffices
SIGNATURE_FIELD = "Signature"
TIMESTAMP_FIELD = "Timestamp"


@dataclass(frozen=True)
class Signed:
    """A signed PDF and what was done to it."""

    data: bytes
    level: str
    field: str
    signer: str
    fingerprint: str  # the signer certificate's SHA-256


def sign_pdf(
    data: bytes, credentials: Credentials, options: SignOptions, *, path: Path | str
) -> Signed:
    """Sign `data` (a PDF) at `options.level`; `path` names it in errors."""
    try:
        return asyncio.run(_sign(data, credentials, options))
    except PdfError as exc:
        raise CheckError(f"cannot sign this PDF: {exc}", path=path) from None
    except (TimeoutError, aiohttp.ClientError, timestamps.TimestampRequestError) as exc:
        raise ServiceError(_service_message(options, exc), path=path) from None
    except (CertificateFetchError, CRLFetchError, OCSPFetchError) as exc:
        raise ServiceError(
            f"cannot fetch validation data for {options.level}: {error_text(exc)}", path=path
        ) from None
    except (PathBuildingError, ValidationError) as exc:
        raise SignError(
            f"the certificate does not validate for {options.level}: {error_text(exc)}", path=path
        ) from None
    except SigningError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, aiohttp.ClientError | TimeoutError):
            raise ServiceError(_service_message(options, cause), path=path) from None
        raise SignError(f"pyHanko could not sign: {error_text(exc)}", path=path) from None


def _service_message(options: SignOptions, exc: BaseException) -> str:
    what = error_text(exc) or type(exc).__name__
    return f"the timestamp or revocation service did not answer ({options.tsa}): {what}"


def error_text(exc: BaseException) -> str:
    """An exception as one line of at most 300 characters."""
    return " ".join(str(exc).split())[:300]


async def _sign(data: bytes, credentials: Credentials, options: SignOptions) -> Signed:
    writer = open_writer(data)
    name = unique_name(writer, SIGNATURE_FIELD)
    add_signature_field(writer, name, signature_description(writer, credentials.subject))
    ts_name = None
    if options.level == "B-LTA":
        # Made now, filled later: the timestamp's revision then adds no structure.
        ts_name = unique_name(writer, TIMESTAMP_FIELD)
        add_signature_field(writer, ts_name, timestamp_description(writer))
    timestamper = _timestamper(options)
    context = _validation_context(credentials, options) if options.long_term else None
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm=MD,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=options.long_term,
        validation_context=context,
        signer_key_usage=SIGNER_KEY_USAGE,
        # B-LT in the signature's own revision: no later change for the DSS.
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
        ),
    )
    signer = signers.SimpleSigner(
        signing_cert=credentials.cert,
        signing_key=credentials.key,
        cert_registry=SimpleCertificateStore.from_certs([credentials.cert, *credentials.chain]),
    )
    pdf_signer = _PdfSigner(meta, signer=signer, timestamper=timestamper)
    try:
        out = await pdf_signer.async_sign_pdf(writer, existing_fields_only=True, output=BytesIO())
        signed = out.getvalue()
        if ts_name is not None:
            signed = await _document_timestamp(signed, ts_name, timestamper, context)
    finally:
        if context is not None:
            await context.aclose()  # the fetchers' HTTP session
    return Signed(signed, options.level, name, credentials.subject, credentials.fingerprint)


class _PdfSigner(signers.PdfSigner):
    """pyHanko's signer, except that it never raises a PDF 1.7 file to PDF 2.0.

    For ECDSA on the usual curves (and EdDSA) pyHanko declares the PDF 2.0
    extension of ISO 32002 and with it sets the catalog's /Version to 2.0:
    a PDF/A-2 or PDF/A-3 file (PDF 1.7) would then claim to be PDF 2.0. Below
    2.0 it gets the PAdES extension (ESIC) only, as PDF 1.7 signing tools do.
    """

    def register_extensions(self, pdf_out, *, md_algorithm: str) -> None:
        if pdf_out.output_version >= (2, 0):
            super().register_extensions(pdf_out, md_algorithm=md_algorithm)
        elif self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
            pdf_out.register_extension(constants.ESIC_EXTENSION_1)


def open_writer(data: bytes) -> QuietWriter:
    """An incremental writer on `data` that leaves the metadata alone; PdfError if encrypted."""
    writer = QuietWriter(BytesIO(data), strict=False)
    if writer.prev.encrypted:
        raise PdfError("the PDF is encrypted")
    return writer


def _timestamper(options: SignOptions) -> timestamps.TimeStamper | None:
    if not options.timestamped:
        return None
    return timestamps.HTTPTimeStamper(options.tsa, timeout=options.timeout)


def _validation_context(credentials: Credentials, options: SignOptions) -> ValidationContext:
    """Fetch OCSP responses and CRLs; a declared source that does not answer fails."""
    roots = [c for c in (credentials.cert, *credentials.chain) if c.subject == c.issuer]
    return fetching_context(roots, options.timeout, other_certs=list(credentials.chain))


def fetching_context(
    roots: list, timeout: float, *, other_certs: list | None = None
) -> ValidationContext:
    """Trust `roots` and the public roots; fetch OCSP responses and CRLs (each
    request at most `timeout` s); a declared source that does not answer fails."""
    return ValidationContext(
        trust_roots=[*roots, *public_roots()],
        other_certs=other_certs or [],
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(per_request_timeout=timeout)),
    )


async def _document_timestamp(
    signed: bytes,
    field_name: str,
    timestamper: timestamps.TimeStamper | None,
    context: ValidationContext | None,
) -> bytes:
    assert timestamper is not None and context is not None
    return await timestamp_into(open_writer(signed), field_name, timestamper, context)


async def timestamp_into(
    writer: QuietWriter,
    field_name: str,
    timestamper: timestamps.TimeStamper,
    context: ValidationContext,
) -> bytes:
    """The PDF in `writer` with a document timestamp in the (existing) field `field_name`."""
    stamper = signers.PdfTimeStamper(timestamper, field_name=field_name)
    out = await stamper.async_timestamp_pdf(
        writer,
        MD,
        validation_context=context,
        output=BytesIO(),
        # The timestamp authority's validation data before the timestamp,
        # so the timestamp covers it.
        dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
    )
    return out.getvalue()


def now() -> dt.datetime:
    """The moment signing checks certificates against (the signing time is pyHanko's)."""
    return dt.datetime.now(dt.UTC)
