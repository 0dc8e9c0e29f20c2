"""PAdES signatures of report PDFs (pyHanko), when a key is configured:
the PDF is signed by an incremental update, so its PDF/A-3b content and
attachment stay as rendered, and any PDF reader shows who issued it."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

FIELD = "AuditReportSignature"


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def signing_configured() -> bool:
    return bool(
        settings.AUDIT_REPORT_SIGNING_KEY and settings.AUDIT_REPORT_SIGNING_CERT
    )


def sign_pdf(pdf: bytes, *, number: str) -> tuple[bytes, str]:
    """The PDF signed (PAdES B-B) and the signer's name, or the PDF as it
    is and "" when no key is configured."""
    if not signing_configured():
        return pdf, ""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    passphrase = settings.AUDIT_REPORT_SIGNING_PASSPHRASE
    signer = signers.SimpleSigner.load(
        settings.AUDIT_REPORT_SIGNING_KEY,
        settings.AUDIT_REPORT_SIGNING_CERT,
        key_passphrase=passphrase.encode() if passphrase else None,
    )
    if signer is None:
        raise RuntimeError("the report signing key or certificate cannot be read")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=f"审计报告 {number}",
        location="浙江省经济和信息化厅",
    )

    def sign() -> io.BytesIO:
        return signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer
        )

    # pyHanko signs with asyncio.run, which refuses to start inside a running
    # event loop (an ASGI server, or a browser test driving the site from the
    # same thread): there it signs in a thread of its own.
    if _loop_running():
        with ThreadPoolExecutor(max_workers=1) as pool:
            out = pool.submit(sign).result()
    else:
        out = sign()
    subject = signer.signing_cert.subject.native
    return out.getvalue(), str(subject.get("common_name", ""))
