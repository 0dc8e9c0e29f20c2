"""Demo reimbursements, made through the reimbursement services after the
demo applications (so the ledger, the invoice register and the audit trail
are real).

ZJ-MODEL-2026 reimburses after payment. On the voucher of 宁波甬创软件有限公司
(demo.owner5@example.com, Haishu, Ningbo; application MOD-0013) the owner
has claimed twice for invoices of 杭州澄观大模型科技有限公司: one claim the
Haishu reviewer (reviewer.haishu@example.com) verified for less than
claimed, with the reason, and one waiting for verification. The invoices
are fully digital ones (全电发票: 20 digits, the year they were issued and
Zhejiang's region first). Idempotent: once that voucher has claims, nothing
is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from enterprises.demo_data import DEMO_PDF
from enterprises.models import Membership, Provider

from ..models import Reimbursement, Voucher
from ..reimbursement import services as svc

PROGRAM = "ZJ-MODEL-2026"
ENTERPRISE = "宁波甬创软件有限公司"
ISSUER = "杭州澄观大模型科技有限公司"  # a model provider of the register demo
VERIFIER = "reviewer.haishu@example.com"


@dataclass(frozen=True)
class DemoClaim:
    invoice: str
    amount: str
    days_ago: int
    verified: str | None = None  # None: left waiting
    reason: str = ""


DEMO_CLAIMS = (
    DemoClaim(
        "1",
        "36000.00",
        20,
        verified="30000.00",
        reason="发票金额 36,000 元中含 6,000 元技术服务费，不属于模型调用费用，不予报销。",
    ),
    DemoClaim("2", "18500.00", 3),
)


def load_reimbursement_demo() -> dict:
    """Make the demo claims (once). Returns ``reimbursements`` (made this
    run) and ``skipped`` (why none were)."""
    with transaction.atomic():
        voucher = (
            Voucher.objects.filter(
                program__code=PROGRAM,
                enterprise__name=ENTERPRISE,
                status=Voucher.Status.ACTIVE,
            )
            .select_related("enterprise")
            .order_by("pk")
            .first()
        )
        owner = (
            Membership.objects.filter(enterprise=voucher.enterprise, is_owner=True)
            .select_related("user")
            .first()
            if voucher
            else None
        )
        verifier = get_user_model().objects.filter(email=VERIFIER).first()
        provider = Provider.objects.filter(name=ISSUER).first()
        if voucher is None or owner is None or verifier is None or provider is None:
            return {"reimbursements": 0, "skipped": "no demo voucher"}
        if Reimbursement.objects.filter(voucher=voucher).exists():
            return {"reimbursements": 0, "skipped": "already loaded"}
        issuer = provider.uscc
        today = timezone.localdate()
        issued = timezone.localdate(voucher.issued_at)
        made = 0
        for spec in DEMO_CLAIMS:
            invoice_date = max(issued, today - timedelta(days=spec.days_ago))
            r = svc.reimbursement_submit(
                voucher=voucher,
                user=owner.user,
                claim=svc.Claim(
                    invoice_issuer=issuer,
                    # year, Zhejiang (33), the channel, a 15-digit sequence
                    invoice_number=f"{invoice_date:%y}332{int(spec.invoice):015d}",
                    invoice_date=invoice_date,
                    amount=Decimal(spec.amount),
                ),
                proof=SimpleUploadedFile(
                    "付款凭证.pdf", DEMO_PDF, content_type="application/pdf"
                ),
            )
            made += 1
            if spec.verified is not None:
                svc.reimbursement_verify(
                    reimbursement=r,
                    user=verifier,
                    amount=Decimal(spec.verified),
                    reason=spec.reason,
                )
        return {"reimbursements": made, "skipped": ""}


__all__ = ["DEMO_CLAIMS", "load_reimbursement_demo"]
