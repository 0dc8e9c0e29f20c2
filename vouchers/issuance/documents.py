"""The voucher certificate: A4, Chinese with English subtitles, with the
code's QR code, whatever the language of the page it was asked from."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from config.money import yuan
from config.pdf import qr_svg_data_uri, render_pdf

from ..models import Program, Voucher

CERTIFICATE_TEMPLATE = "vouchers/pdf/certificate.html"
# The certificate's title, by the program's kind.
CERTIFICATE_TITLES = {
    Program.Kind.COMPUTE: gettext_lazy("Compute voucher certificate"),
    Program.Kind.MODEL: gettext_lazy("Model voucher certificate"),
    Program.Kind.EVALUATION: gettext_lazy("Evaluation voucher certificate"),
    Program.Kind.OTHER: gettext_lazy("Voucher certificate"),
}


def certificate_pdf(voucher: Voucher, *, request: HttpRequest | None = None) -> bytes:
    title = CERTIFICATE_TITLES.get(
        voucher.program.kind, CERTIFICATE_TITLES[Program.Kind.OTHER]
    )
    with translation.override("zh-hans"):
        title_zh = str(title)
    with translation.override("en"):
        title_en = str(title)
    return render_pdf(
        CERTIFICATE_TEMPLATE,
        {
            "voucher": voucher,
            "title_zh": title_zh,
            "title_en": title_en,
            # Spaced-out large type suits Chinese; an untranslated English
            # title in it would not fit on one line.
            "title_is_chinese": title_zh != title_en,
            "qr": qr_svg_data_uri(voucher.code),
            "issued_on": timezone.localdate(voucher.issued_at),
            "face_value": yuan(voucher.face_value),
        },
        request=request,
    )
