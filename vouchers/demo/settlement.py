"""Demo statements, made through the settlement services after the demo
charges (vouchers.demo.redemptions):

- last month's statement of the demo provider on HZ-COMPUTE-2026, paid: two
  charges (invoices ``DEMO-…-0006`` and ``-0007``) confirmed by the
  enterprise, whose confirmation time is then set to the last day of last
  month (the one thing done outside the services, so that a demo loaded
  today has a past period to show), reconciled with all lines matching,
  submitted, approved and paid by the demo program manager;
- this month's statement, built now from the charges confirmed so far,
  reconciled with records in which one amount differs and left open, so
  the demo provider can explain the difference and submit it.

Idempotent: nothing is made when the provider has a statement.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from enterprises.models import Membership, Offering, Provider

from ..models import Redemption, Statement, Voucher
from ..redemption import services as charges
from ..settlement import services as svc
from ..settlement.periods import period_before, period_containing
from .redemptions import MARKER

PAYMENT_REFERENCE = "GK2026-DEMO-0001"


def _records(lines: list[Redemption], *, off_by: Decimal = Decimal("0")) -> bytes:
    """The provider's records of ``lines`` as CSV; the last line's amount
    ``off_by`` yuan higher."""
    rows = ["发票号码,券码,金额,日期"]
    for n, c in enumerate(lines, start=1):
        amount = c.amount + (off_by if n == len(lines) else 0)
        day = timezone.localdate(c.decided_at)
        rows.append(f"{c.invoice_number},{c.voucher.code},{amount},{day}")
    return ("\n".join(rows) + "\n").encode()


def load_settlement_demo(
    *, provider: Provider, manager, voucher: Voucher | None
) -> dict:
    """Make the two demo statements (once). Returns ``statements`` (made
    this run) and ``skipped`` (why none were)."""
    if voucher is None:
        return {"statements": 0, "skipped": "no demo voucher"}
    with transaction.atomic():
        if Statement.objects.filter(provider=provider).exists():
            return {"statements": 0, "skipped": "already loaded"}
        staff = (
            Membership.objects.filter(provider=provider).select_related("user").first()
        )
        applicant = (
            Membership.objects.filter(enterprise=voucher.enterprise, is_owner=True)
            .select_related("user")
            .first()
        )
        offering = Offering.objects.filter(provider=provider, is_active=True).first()
        if staff is None or applicant is None or offering is None:
            return {"statements": 0, "skipped": "demo accounts missing"}
        program = voucher.program
        today = timezone.localdate()

        # Last month: two charges, confirmed, paid.
        last_start, last_end = period_before(today, 1)
        earlier = []
        for number, hours in (("0006", "400"), ("0007", "650")):
            held = charges.redemption_charge(
                provider=provider,
                actor=staff.user,
                charge=charges.Charge(
                    voucher_code=voucher.code,
                    credit_code=voucher.enterprise.uscc,
                    offering_id=offering.pk,
                    quantity=Decimal(hours),
                    unit_price=offering.list_price,
                    period_start=max(
                        today.replace(day=1), timezone.localdate(voucher.issued_at)
                    ),
                    period_end=today,
                    invoice_number=f"{MARKER}{provider.uscc[-6:]}-{number}",
                ),
            )
            earlier.append(
                charges.redemption_confirm(redemption=held, user=applicant.user)
            )
        # Demo only: as if confirmed on the last evening of last month.
        confirmed_at = timezone.make_aware(datetime.combine(last_end, time(18, 0)))
        Redemption.objects.filter(pk__in=[c.pk for c in earlier]).update(
            decided_at=confirmed_at
        )
        for c in earlier:
            c.decided_at = confirmed_at
        paid = svc.statement_build(
            program=program,
            provider=provider,
            period_start=last_start,
            period_end=last_end,
        )
        assert paid is not None
        svc.statement_reconcile(
            statement=paid,
            user=staff.user,
            file_name="上月计费记录.csv",
            content=_records(earlier),
        )
        svc.statement_submit(statement=paid, user=staff.user)
        svc.statement_approve(statement=paid, user=manager)
        svc.statement_pay(
            statement=paid,
            user=manager,
            reference=PAYMENT_REFERENCE,
            paid_on=today,
            amount=paid.total,
        )

        # This month: what is confirmed so far, one amount differing.
        start, end = period_containing(today, 1)
        current = svc.statement_build(
            program=program, provider=provider, period_start=start, period_end=end
        )
        made = 1
        if current is not None:
            lines = list(
                Redemption.objects.filter(statement=current)
                .select_related("voucher")
                .order_by("pk")
            )
            svc.statement_reconcile(
                statement=current,
                user=staff.user,
                file_name="本月计费记录.csv",
                content=_records(lines, off_by=Decimal("98.00")),
            )
            made += 1
        return {"statements": made, "skipped": ""}


__all__ = ["PAYMENT_REFERENCE", "load_settlement_demo"]
