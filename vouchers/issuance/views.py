"""Voucher pages: the applicant's vouchers, one voucher with its QR code and
its ledger transfers, and its certificate as a PDF.

Who may read a voucher: the applicants (members) of its enterprise, the
reviewers whose region holds the enterprise, program managers and auditors,
i.e. whoever may read the enterprise (``enterprise_visible``). Everyone else
gets 404, as for a code that does not exist. Only the canonical form of a code
(``XXXX-XXXX-XXXX-XXXX``, upper case, check character right) is looked up.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import role_required, signed_in, user_roles
from accounts.roles import Role
from config.money import yuan
from config.pdf import pdf_response, qr_svg_data_uri
from enterprises.permissions import is_enterprise_member
from enterprises.selectors import enterprise_list_for_member

from ..ledger.selectors import voucher_balance, voucher_held, voucher_ledger
from ..lifecycle.selectors import clawback_room, voucher_clawbacks
from ..models import LedgerTransfer, Redemption, Reimbursement, Voucher
from ..permissions import PROGRAM_READERS
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


def _ledger(voucher: Voucher) -> list[dict]:
    """The voucher's ledger lines as the page shows them: what moved, what
    it was for (a link to the charge or reimbursement, named by its
    invoice number as their own pages are), and the voucher's figures
    after it."""
    lines = voucher_ledger(voucher)
    references = _references([line.transfer for line in lines])
    return [
        {
            "transfer": line.transfer,
            "what": _transfer_label(line.transfer.kind),
            "reference": references.get(
                (line.transfer.reference_type, line.transfer.reference_id)
            ),
            "amount": yuan(line.transfer.amount),
            "remaining": yuan(line.remaining),
            "held": yuan(line.held),
            "used": yuan(line.used),
        }
        for line in lines
    ]


# What a transfer's reference links to on the voucher page: its model, the
# label naming it by invoice number, and its page.
_REFERENCES = {
    "vouchers.redemption": (
        Redemption,
        gettext_lazy("Charge %(number)s"),
        "vouchers:charge-detail",
    ),
    "vouchers.reimbursement": (
        Reimbursement,
        gettext_lazy("Reimbursement %(number)s"),
        "vouchers:reimbursement-detail",
    ),
}


def _references(
    transfers: list[LedgerTransfer],
) -> dict[tuple[str, str], tuple[str, str]]:
    """(label, url) of each charge and reimbursement the transfers name;
    one query per kind."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for reference_type, (model, label, url) in _REFERENCES.items():
        ids = {
            int(t.reference_id)
            for t in transfers
            if t.reference_type == reference_type and t.reference_id.isdigit()
        }
        if not ids:
            continue
        for pk, number in model.objects.filter(pk__in=ids).values_list(
            "pk", "invoice_number"
        ):
            found[(reference_type, str(pk))] = (
                str(label) % {"number": number},
                reverse(url, args=[pk]),
            )
    return found


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
    balance = voucher_balance(voucher)
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
            "ledger": _ledger(voucher),
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
