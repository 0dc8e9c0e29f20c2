"""Voucher pages: the applicant's vouchers, one voucher with its QR code and
its ledger transfers, and its certificate as a PDF.

Who may read a voucher: the applicants (members) of its enterprise, the
reviewers whose region holds the enterprise, program managers and auditors,
i.e. whoever may read the enterprise (``enterprise_visible``). Everyone else
gets 404, as for a code that does not exist. Only the canonical form of a code
(``XXXX-XXXX-XXXX-XXXX``, upper case, check character right) is looked up.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from enterprises.models import Membership
from enterprises.selectors import enterprise_visible

from . import codes
from .documents import pdf_response, qr_svg_data_uri, render_pdf
from .forms import FUNDING_LABELS
from .models import LedgerAccount, LedgerTransfer, Program, Voucher
from .permissions import PROGRAM_READERS

ZERO = Decimal("0.00")

# What a transfer into or out of a voucher account was for; kinds not listed
# here (added by later work) are shown as they are stored.
TRANSFER_LABELS = {
    "voucher_issued": gettext_lazy("Issued from the program budget"),
}
# The certificate's title, by the program's kind.
CERTIFICATE_TITLES = {
    Program.Kind.COMPUTE: gettext_lazy("Compute voucher certificate"),
    Program.Kind.MODEL: gettext_lazy("Model voucher certificate"),
    Program.Kind.EVALUATION: gettext_lazy("Evaluation voucher certificate"),
    Program.Kind.OTHER: gettext_lazy("Voucher certificate"),
}


def voucher_for_reader_or_404(user, code: str) -> Voucher:
    """The voucher with this (canonical) code, if the user may read it."""
    if code != codes.format_code(code) or not codes.is_valid(code):
        raise Http404
    voucher = (
        Voucher.objects.select_related(
            "enterprise__region", "program__region", "application"
        )
        .filter(code=code)
        .first()
    )
    if voucher is None:
        raise Http404
    if not enterprise_visible(user=user).filter(pk=voucher.enterprise_id).exists():
        raise Http404
    return voucher


def _money(amount: Decimal) -> str:
    """Yuan with thousands separators, as on the other pages (the zh-hans
    number format has none)."""
    return f"{amount:,.2f}"


def _badge(voucher: Voucher) -> str:
    if voucher.status == Voucher.Status.ACTIVE:
        return "status-approved"
    return "status-rejected"


def _account_label(account: LedgerAccount) -> str:
    label = str(LedgerAccount.Kind(account.kind).label)
    if account.funding_source:
        source = FUNDING_LABELS.get(account.funding_source, account.funding_source)
        return f"{label} · {source}"
    return label


def _transfers(voucher: Voucher) -> tuple[Decimal, list[dict]]:
    """The voucher's balance and the transfers into and out of its account,
    oldest first, each with the balance after it."""
    account = LedgerAccount.objects.filter(voucher=voucher).first()
    if account is None:
        return ZERO, []
    rows = []
    running = ZERO
    transfers = (
        LedgerTransfer.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("debit", "credit")
        .order_by("created_at", "id")
    )
    for t in transfers:
        incoming = t.credit_id == account.pk
        running += t.amount if incoming else -t.amount
        other = t.debit if incoming else t.credit
        rows.append(
            {
                "transfer": t,
                "what": TRANSFER_LABELS.get(t.kind, t.kind),
                "incoming": incoming,
                "other": _account_label(other),
                "amount": _money(t.amount if incoming else -t.amount),
                "balance": _money(running),
            }
        )
    return account.balance, rows


def _is_past_expiry(voucher: Voucher) -> bool:
    return (
        voucher.status == Voucher.Status.ACTIVE
        and voucher.expires_on < timezone.localdate()
    )


@role_required(Role.APPLICANT)
def voucher_list(request):
    """The vouchers of every enterprise the user is an applicant of."""
    enterprises = Membership.objects.filter(
        user=request.user, role=Role.APPLICANT
    ).values("enterprise_id")
    vouchers = (
        Voucher.objects.filter(enterprise_id__in=enterprises)
        .select_related("program", "enterprise")
        .annotate(
            balance=Coalesce(
                F("account__balance"),
                Value(ZERO),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            )
        )
        .order_by("-issued_at", "-id")
    )
    page = Paginator(vouchers, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "voucher": v,
            "face_value": _money(v.face_value),
            "balance": _money(v.balance),
            "badge": _badge(v),
            "past_expiry": _is_past_expiry(v),
        }
        for v in page.object_list
    ]
    return render(
        request,
        "vouchers/voucher_list.html",
        {
            "rows": rows,
            "page": page,
            "several_enterprises": enterprises.count() > 1,
        },
    )


@signed_in
def voucher_detail(request, code):
    voucher = voucher_for_reader_or_404(request.user, code)
    balance, transfers = _transfers(voucher)
    roles = user_roles(request.user)
    is_member = Membership.objects.filter(
        user=request.user, role=Role.APPLICANT, enterprise_id=voucher.enterprise_id
    ).exists()
    if is_member:
        crumbs = [(_("My vouchers"), reverse("vouchers:voucher-list"))]
    else:
        crumbs = [
            (
                voucher.enterprise.name,
                reverse("enterprises:detail", args=[voucher.enterprise_id]),
            )
        ]
    return render(
        request,
        "vouchers/voucher_detail.html",
        {
            "voucher": voucher,
            "face_value": _money(voucher.face_value),
            "balance": _money(balance),
            "transfers": transfers,
            "qr": qr_svg_data_uri(voucher.code),
            "badge": _badge(voucher),
            "past_expiry": _is_past_expiry(voucher),
            "may_read_program": bool(roles & set(PROGRAM_READERS)),
            "breadcrumbs": [*crumbs, (voucher.code, None)],
        },
    )


@signed_in
def voucher_certificate(request, code):
    """The certificate: A4, Chinese with English subtitles, whatever the
    language of the page it was asked from."""
    voucher = voucher_for_reader_or_404(request.user, code)
    title = CERTIFICATE_TITLES.get(
        voucher.program.kind, CERTIFICATE_TITLES[Program.Kind.OTHER]
    )
    with translation.override("zh-hans"):
        title_zh = str(title)
    with translation.override("en"):
        title_en = str(title)
    pdf = render_pdf(
        "vouchers/pdf/certificate.html",
        {
            "voucher": voucher,
            "title_zh": title_zh,
            "title_en": title_en,
            # Spaced-out large type suits Chinese; an untranslated English
            # title in it would not fit on one line.
            "title_is_chinese": title_zh != title_en,
            "qr": qr_svg_data_uri(voucher.code),
            "issued_on": timezone.localdate(voucher.issued_at),
            "face_value": _money(voucher.face_value),
        },
        request=request,
    )
    return pdf_response(pdf, f"voucher-{voucher.code}.pdf")
