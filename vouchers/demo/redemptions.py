"""Demo charges and the demo provider's API key, made through the
redemption services (so the ledger and the audit trail are real).

``load_redemption_demo`` runs after the demo applications: on the
applicant's voucher (杭州西湖智算科技有限公司（演示）, HZ-COMPUTE-2026) the
demo provider (浙江之江算力云服务有限公司（演示）, provider@example.com) has
charged five times: one confirmed by the enterprise, one confirmed when its
window passed, one pending, one disputed (waiting for a Xihu reviewer) and
one voided. It also gives that provider an API key with a fixed value
(``DEMO_API_KEY``, a demo-only secret) so the curl lines load_demo prints
work against the running demo. Idempotent: invoice numbers start with
``DEMO-``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audits import actions
from audits.services import audit_event_record
from enterprises.models import Membership, Offering, Provider

from ..models import ProviderApiKey, Redemption, Voucher
from ..provider_api.services import digest
from ..redemption import services as svc

MARKER = "DEMO-"
# A demo-only key: the demo database is local and its logins are printed too.
DEMO_API_KEY_PREFIX = "de30de30"
DEMO_API_KEY = f"vpk_{DEMO_API_KEY_PREFIX}_demo-only-key-do-not-use-in-production"


@dataclass(frozen=True)
class DemoCharge:
    invoice: str
    card_hours: str
    ends: str  # "confirm", "window", "pending", "dispute", "void"
    note: str = ""


DEMO_CHARGES = (
    DemoCharge("0001", "2000", "confirm"),
    DemoCharge("0002", "1500", "window"),
    DemoCharge("0003", "800", "pending"),
    DemoCharge(
        "0004", "1200", "dispute", "本期实际只使用了约 600 卡时，扣费数量翻倍。"
    ),
    DemoCharge("0005", "300", "void", "发票开错，重新开具。"),
)


def _demo_voucher(enterprise_uscc: str) -> Voucher | None:
    return (
        Voucher.objects.filter(
            enterprise__uscc=enterprise_uscc, program__code="HZ-COMPUTE-2026"
        )
        .order_by("pk")
        .first()
    )


def load_redemption_demo(*, provider: Provider, enterprise_uscc: str) -> dict:
    """Make the demo charges (once) and the demo API key. Returns
    ``charges`` (made this run), ``skipped`` (why none were), ``key`` and
    ``voucher`` (the charged one, for load_demo's curl lines)."""
    with transaction.atomic():
        key = _demo_key(provider)
        voucher = _demo_voucher(enterprise_uscc)
        if voucher is None:
            return {
                "charges": 0,
                "skipped": "no demo voucher",
                "key": key,
                "voucher": None,
            }
        done = {"charges": 0, "key": key, "voucher": voucher}
        if Redemption.objects.filter(invoice_number__startswith=MARKER).exists():
            return done | {"skipped": "already loaded"}
        staff = Membership.objects.filter(provider=provider).first()
        applicant = Membership.objects.filter(
            enterprise=voucher.enterprise, is_owner=True
        ).first()
        offering = Offering.objects.filter(provider=provider, is_active=True).first()
        if staff is None or applicant is None or offering is None:
            return done | {"skipped": "demo accounts missing"}
        today = timezone.localdate()
        made = 0
        for spec in DEMO_CHARGES:
            r = svc.redemption_charge(
                provider=provider,
                actor=staff.user,
                charge=svc.Charge(
                    voucher_code=voucher.code,
                    credit_code=voucher.enterprise.uscc,
                    offering_id=offering.pk,
                    quantity=Decimal(spec.card_hours),
                    unit_price=offering.list_price,
                    period_start=max(
                        today.replace(day=1), timezone.localdate(voucher.issued_at)
                    ),
                    period_end=today,
                    invoice_number=f"{MARKER}{provider.uscc[-6:]}-{spec.invoice}",
                ),
            )
            made += 1
            if spec.ends == "confirm":
                svc.redemption_confirm(redemption=r, user=applicant.user)
            elif spec.ends == "window":
                Redemption.objects.filter(pk=r.pk).update(confirm_by=timezone.now())
                svc.redemptions_confirm_due()
            elif spec.ends == "dispute":
                svc.redemption_dispute(
                    redemption=r, user=applicant.user, reason=spec.note
                )
            elif spec.ends == "void":
                svc.redemption_void(
                    redemption=r, provider=provider, actor=staff.user, reason=spec.note
                )
        return done | {"charges": made, "skipped": ""}


def _demo_key(provider: Provider) -> str:
    if not ProviderApiKey.objects.filter(prefix=DEMO_API_KEY_PREFIX).exists():
        staff = (
            Membership.objects.filter(provider=provider).select_related("user").first()
        )
        if staff is None:
            return ""
        row = ProviderApiKey.objects.create(
            provider=provider,
            name="演示计费系统",
            prefix=DEMO_API_KEY_PREFIX,
            digest=digest(DEMO_API_KEY),
            created_by=staff.user,
        )
        audit_event_record(
            action=actions.API_KEY_CREATED,
            actor=staff.user,
            target=row,
            after={"provider": provider.uscc, "name": row.name, "source": "demo"},
        )
    return DEMO_API_KEY
