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
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from config.money import ZERO, yuan
from config.pdf import pdf_response, qr_svg_data_uri
from enterprises.permissions import is_enterprise_member
from enterprises.selectors import enterprise_list_for_member

from ..ledger.selectors import account_transfers, voucher_account, voucher_held
from ..lifecycle.selectors import clawback_room, voucher_clawbacks
from ..models import LedgerAccount, LedgerTransfer, Voucher
from ..permissions import PROGRAM_READERS
from ..programs.labels import FUNDING_LABELS
from ..redemption.selectors import voucher_charges
from ..reimbursement.selectors import reimburses, voucher_reimbursements
from .documents import certificate_pdf
from .selectors import voucher_for_reader_or_404, voucher_list_for_member

# What a transfer into or out of a voucher account was for; kinds not listed
# here (added by later work) are shown as they are stored.
TRANSFER_LABELS = {
    "voucher_issued": gettext_lazy("Issued from the program budget"),
    "voucher_released": gettext_lazy("Unused balance back to the program budget"),
}


def _transfer_label(kind: str) -> str:
    if kind in TRANSFER_LABELS:
        return str(TRANSFER_LABELS[kind])
    if kind in LedgerTransfer.Kind.values:
        return str(LedgerTransfer.Kind(kind).label)
    return kind


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
    account = voucher_account(voucher)
    if account is None:
        return ZERO, []
    rows = []
    running = ZERO
    for t in account_transfers(account):
        incoming = t.credit_id == account.pk
        running += t.amount if incoming else -t.amount
        other = t.debit if incoming else t.credit
        rows.append(
            {
                "transfer": t,
                "what": _transfer_label(t.kind),
                "incoming": incoming,
                "other": _account_label(other),
                "amount": yuan(t.amount if incoming else -t.amount),
                "balance": yuan(running),
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
    vouchers = voucher_list_for_member(user=request.user)
    page = Paginator(vouchers, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "voucher": v,
            "face_value": yuan(v.face_value),
            "balance": yuan(v.balance),
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
            "several_enterprises": enterprise_list_for_member(user=request.user).count()
            > 1,
        },
    )


@signed_in
def voucher_detail(request, code):
    voucher = voucher_for_reader_or_404(request.user, code)
    balance, transfers = _transfers(voucher)
    roles = user_roles(request.user)
    held = voucher_held(voucher)
    member = is_enterprise_member(request.user, voucher.enterprise)
    if member:
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
            "face_value": yuan(voucher.face_value),
            "balance": yuan(balance),
            "held": yuan(held),
            "charges": [(c, yuan(c.amount)) for c in voucher_charges(voucher)],
            "reimburses": reimburses(voucher),
            "reimbursements": voucher_reimbursements(voucher),
            "may_claim": member
            and voucher.status == voucher.Status.ACTIVE
            and not _is_past_expiry(voucher),
            "is_member": member,
            "is_manager": Role.PROGRAM_MANAGER in roles,
            # A clawback can only demand back what the voucher paid out.
            "may_claw_back": Role.PROGRAM_MANAGER in roles
            and clawback_room(voucher) > 0,
            "clawbacks": voucher_clawbacks(voucher),
            "today": timezone.localdate(),
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
    voucher = voucher_for_reader_or_404(request.user, code)
    pdf = certificate_pdf(voucher, request=request)
    return pdf_response(pdf, f"voucher-{voucher.code}.pdf")
