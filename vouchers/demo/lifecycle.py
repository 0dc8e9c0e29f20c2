"""Demo of a voucher's end, made through the lifecycle services after the
other demo data:

- the ZJ-BENCHMARK-2026 voucher of 杭州澜芯微电子有限公司 (demo.owner2,
  application BMK-0011) has expired unused: its issue time and validity
  are moved back a year (the one thing done outside the services, so that
  a demo loaded today has an expired voucher), then the nightly expiry
  releases its balance to the program budget;
- on the ZJ-MODEL-2026 voucher of 宁波甬创软件有限公司 (demo.owner5), whose
  reimbursement was verified, the program manager has recorded a clawback
  of 6,000.00 yuan, half of it repaid.

Idempotent: nothing is made when the expired voucher is already expired.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..lifecycle import services as life
from ..models import Clawback, Voucher

EXPIRED = ("ZJ-BENCHMARK-2026", "杭州澜芯微电子有限公司")
CLAWED = ("ZJ-MODEL-2026", "宁波甬创软件有限公司")
REPAYMENT_REFERENCE = "HK2026-DEMO-0001"


def _voucher(program: str, enterprise: str) -> Voucher | None:
    return (
        Voucher.objects.filter(program__code=program, enterprise__name=enterprise)
        .order_by("pk")
        .first()
    )


def load_lifecycle_demo(*, manager) -> dict:
    """Expire one voucher and record one clawback (once). Returns
    ``expired`` and ``clawbacks`` (made this run)."""
    done = {"expired": 0, "clawbacks": 0}
    with transaction.atomic():
        voucher = _voucher(*EXPIRED)
        if voucher is not None and voucher.status == Voucher.Status.ACTIVE:
            today = timezone.localdate()
            Voucher.objects.filter(pk=voucher.pk).update(
                issued_at=voucher.issued_at - timedelta(days=366),
                expires_on=today - timedelta(days=1),
            )
            done["expired"] = int(life.voucher_expire(voucher.pk))
        clawed = _voucher(*CLAWED)
        if clawed is not None and not Clawback.objects.filter(voucher=clawed).exists():
            clawback = life.clawback_record(
                voucher=clawed,
                user=manager,
                demand=life.ClawbackDemand(
                    amount=Decimal("6000.00"),
                    legal_basis="《浙江省模型券管理办法（演示）》第十八条",
                    reason="核实发现报销的 30,000 元中有 6,000 元为与本企业存在关联关系的服务商开具的发票，不符合补贴条件。",
                    due_on=timezone.localdate() + timedelta(days=30),
                ),
            )
            life.clawback_repayment_record(
                clawback=clawback,
                user=manager,
                amount=Decimal("3000.00"),
                paid_on=timezone.localdate(),
                reference=REPAYMENT_REFERENCE,
            )
            done["clawbacks"] = 1
    return done


__all__ = ["load_lifecycle_demo"]
