"""PDF documents (application receipts, voucher certificates, and the audit
reports to come): a template rendered to HTML, then to PDF with WeasyPrint.
Fonts come from the machine (a CJK font, fonts-wqy-microhei, is installed by
`make demo`/`make test`); nothing is fetched from the network.

qrcode and WeasyPrint are imported when a document is made, not when the
site starts: WeasyPrint alone takes about half a second to import."""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def qr_svg_data_uri(text: str) -> str:
    """A QR code of ``text`` as an inline SVG (no image library needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template: str, context: dict, *, request=None, **options) -> bytes:
    """``options`` go to WeasyPrint's write_pdf (pdf_variant, attachments...)."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    base_url = str(settings.BASE_DIR)
    return HTML(string=html, base_url=base_url).write_pdf(**options)


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
