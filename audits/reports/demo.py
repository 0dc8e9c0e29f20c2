"""The demo's reports, one of each kind, asked for by the demo auditor and
built at once (the demo has no worker): the Hangzhou compute program, the
provider that charged its voucher (this year so far) and that voucher's
enterprise."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from vouchers.models import Program, Redemption

from ..models import Report
from . import services

DEMO_PROGRAM = "HZ-COMPUTE-2026"


def load_reports_demo() -> dict[str, int]:
    """Idempotent: a rerun (a report exists) changes nothing."""
    program = Program.objects.filter(code=DEMO_PROGRAM).first()
    auditor = get_user_model().objects.filter(email="auditor@example.com").first()
    if Report.objects.exists() or program is None or auditor is None:
        return {"audit reports": Report.objects.count()}
    charge = Redemption.objects.filter(program=program).order_by("pk").first()
    today = timezone.localdate()
    asks: list[dict] = [{"kind": Report.Kind.PROGRAM, "program": program}]
    if charge is not None:
        asks += [
            {
                "kind": Report.Kind.PROVIDER,
                "provider": charge.provider,
                "period_start": today.replace(month=1, day=1),
                "period_end": today,
            },
            {"kind": Report.Kind.ENTERPRISE, "enterprise": charge.enterprise},
        ]
    for ask in asks:
        with transaction.atomic():
            report = services.report_request(actor=auditor, **ask)
        services.report_build(report.pk)  # returns at once if the task ran it
    return {"audit reports": Report.objects.count()}
