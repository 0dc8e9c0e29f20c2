"""The demo's flags: the rules run over the demo data (its charges, all
made at load time, are one burst), one enterprise's declaration corrected
by a large step, and the burst dismissed by the auditor, so the flags page
shows open and triaged flags."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from enterprises.models import Enterprise
from enterprises.services import enterprise_update_profile

from ..models import Flag
from . import services

DEMO_NOTE = "演示数据在导入时一次写入，并非真实的集中扣费。"


def load_flags_demo() -> dict[str, int]:
    """Idempotent: a rerun (flags exist) changes nothing."""
    if Flag.objects.exists():
        return {"anomaly flags": Flag.objects.count()}
    enterprise = (
        Enterprise.objects.filter(applications__isnull=True, employees__gte=10)
        .order_by("pk")
        .first()
    )
    if enterprise is not None:
        enterprise_update_profile(
            enterprise=enterprise,
            data={"employees": enterprise.employees * 4},
            actor=None,
        )
    services.flags_scan()
    auditor = get_user_model().objects.filter(email="auditor@example.com").first()
    burst = Flag.objects.filter(rule="charge_burst", status=Flag.Status.OPEN).first()
    if burst is not None and auditor is not None:
        services.flag_triage(
            flag=burst, status=Flag.Status.DISMISSED, note=DEMO_NOTE, actor=auditor
        )
    return {"anomaly flags": Flag.objects.count()}
