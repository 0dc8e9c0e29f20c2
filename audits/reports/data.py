"""The figures of a program report, read from the database in a few
aggregate queries (and the detail rows, streamed), independent of how
they are printed. Every amount is a Decimal in yuan."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from config.money import ZERO
from enterprises.models import Enterprise, Provider, SizeClass, unit_label
from enterprises.sme import GroupThresholds, load_standard
from vouchers.programs.labels import FUNDING_LABELS

from ..models import Flag

if TYPE_CHECKING:
    from vouchers.models import LedgerAccount, Program, Redemption

Row = tuple[str, ...]


@dataclass
class ProgramFigures:
    program: object
    versions: list[dict] = field(default_factory=list)
    # per funding source: appropriated, issued to vouchers, released back, remaining
    budget: list[dict] = field(default_factory=list)
    budget_total: dict = field(default_factory=dict)
    # where the issued money is now (the ledger's balances by kind)
    flows: list[tuple[str, Decimal]] = field(default_factory=list)
    applications_by_status: list[tuple[str, int, Decimal]] = field(default_factory=list)
    applications_by_city: list[tuple[str, int, Decimal]] = field(default_factory=list)
    applications_by_size: list[tuple[str, int]] = field(default_factory=list)
    applications_by_industry: list[tuple[str, int]] = field(default_factory=list)
    vouchers_by_status: list[tuple[str, int, Decimal]] = field(default_factory=list)
    charges_by_provider: list[dict] = field(default_factory=list)
    # confirmed charges by the enterprise's city: (city, charges, yuan)
    charges_by_city: list[tuple[str, int, Decimal]] = field(default_factory=list)
    monthly: list[tuple[str, Decimal]] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    clawbacks: dict = field(default_factory=dict)
    flags: dict = field(default_factory=dict)
    charge_count: int = 0
    charge_total: Decimal = ZERO


def _sum(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else ZERO


def program_figures(program: Program) -> ProgramFigures:
    from vouchers.models import (
        Application,
        Clawback,
        LedgerAccount,
        LedgerTransfer,
        Redemption,
        Statement,
        Voucher,
    )

    K, T = LedgerAccount.Kind, LedgerTransfer.Kind
    f = ProgramFigures(program=program)
    for v in program.versions.order_by("number"):
        f.versions.append(
            {
                "number": v.number,
                "effective_from": v.effective_from,
                "note": v.note,
                "params": v.parsed(),
            }
        )

    # -- budget by funding source ---------------------------------------------
    budgets = LedgerAccount.objects.filter(
        program=program, kind=K.BUDGET, voucher=None
    ).order_by("funding_source", "pk")
    moved = defaultdict(lambda: ZERO)
    for account_id, kind, side, total in _transfer_sums(budgets):
        moved[(account_id, kind, side)] = total
    for account in budgets:
        row = {
            "source": str(
                FUNDING_LABELS.get(account.funding_source, account.funding_source)
            )
            or "—",
            "appropriated": moved[(account.pk, T.BUDGET_APPROPRIATED, "in")]
            - moved[(account.pk, T.BUDGET_REDUCED, "out")],
            "issued": moved[(account.pk, T.VOUCHER_ISSUED, "out")],
            "released": moved[(account.pk, T.VOUCHER_RELEASED, "in")],
            "remaining": account.balance,
        }
        f.budget.append(row)
    f.budget_total = {
        key: sum((r[key] for r in f.budget), ZERO)
        for key in ("appropriated", "issued", "released", "remaining")
    }
    balances = dict(
        LedgerAccount.objects.filter(program=program)
        .values_list("kind")
        .annotate(total=Sum("balance"))
        .order_by()
    )
    for kind, label in (
        (K.VOUCHER, _("Left on vouchers")),
        (K.HELD, _("Held by pending charges and claims")),
        (K.PROVIDER_PAYABLE, _("Owed to providers")),
        (K.PAID_OUT, _("Paid to providers")),
        (K.ENTERPRISE_PAYABLE, _("Owed to enterprises (reimbursement)")),
        (K.ENTERPRISE_PAID, _("Paid to enterprises")),
        (K.RECOVERED, _("Recovered by clawback")),
    ):
        f.flows.append((str(label), _sum(balances.get(kind))))

    # -- applications -------------------------------------------------------------
    apps = Application.objects.filter(program=program).exclude(
        status=Application.Status.DRAFT
    )
    for status, n, total in (
        apps.values_list("status")
        .annotate(n=Count("pk"), total=Sum("requested_subsidy"))
        .order_by("status")
    ):
        f.applications_by_status.append(
            (str(Application.Status(status).label), n, _sum(total))
        )
    f.applications_by_city = _by_city(
        apps.values_list(
            "enterprise__region__name_zh",
            "enterprise__region__parent__name_zh",
            "enterprise__region__level",
        )
        .annotate(n=Count("pk"), total=Sum("requested_subsidy"))
        .order_by()
    )
    sizes = dict(SizeClass.choices)
    f.applications_by_size = [
        (str(sizes.get(size, size or "—")), n)
        for size, n in apps.values_list("enterprise__size_class")
        .annotate(n=Count("pk"))
        .order_by("enterprise__size_class")
    ]
    groups = load_standard().groups
    f.applications_by_industry = [
        (_group_name(groups, group), n)
        for group, n in apps.values_list("enterprise__industry_group")
        .annotate(n=Count("pk"))
        .order_by("-n", "enterprise__industry_group")
    ]

    # -- vouchers and charges -------------------------------------------------------
    for status, n, total in (
        Voucher.objects.filter(program=program)
        .values_list("status")
        .annotate(n=Count("pk"), total=Sum("face_value"))
        .order_by("status")
    ):
        f.vouchers_by_status.append((str(Voucher.Status(status).label), n, _sum(total)))
    S = Redemption.Status
    charges = Redemption.objects.filter(program=program)
    for row in (
        charges.values("provider__name")
        .annotate(
            n=Count("pk"),
            confirmed=Sum("amount", filter=Q(status=S.CONFIRMED)),
            held=Sum("amount", filter=Q(status__in=(S.PENDING, S.DISPUTED))),
            voided=Sum("amount", filter=Q(status=S.VOIDED)),
        )
        .order_by("-confirmed", "provider__name")
    ):
        f.charges_by_provider.append(
            {
                "provider": row["provider__name"],
                "count": row["n"],
                "confirmed": _sum(row["confirmed"]),
                "held": _sum(row["held"]),
                "voided": _sum(row["voided"]),
            }
        )
    tz = timezone.get_current_timezone()
    f.monthly = [
        (month.strftime("%Y-%m"), _sum(total))
        for month, total in charges.filter(status=S.CONFIRMED)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    ]
    agg = charges.aggregate(n=Count("pk"), total=Sum("amount"))
    f.charge_count, f.charge_total = agg["n"], _sum(agg["total"])
    f.charges_by_city = _by_city(
        charges.filter(status=S.CONFIRMED)
        .values_list(
            "enterprise__region__name_zh",
            "enterprise__region__parent__name_zh",
            "enterprise__region__level",
        )
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    )

    # -- statements, clawbacks, flags --------------------------------------------------
    for s in (
        Statement.objects.filter(program=program)
        .select_related("provider", "payment")
        .order_by("period_start", "provider__name")
    ):
        payment = getattr(s, "payment", None)
        f.statements.append(
            {
                "number": s.number,
                "provider": s.provider.name,
                "period": f"{s.period_start} — {s.period_end}",
                "status": s.get_status_display(),
                "total": s.total,
                "paid_on": payment.paid_on if payment else None,
                "paid": payment.amount if payment else ZERO,
            }
        )
    claw = Clawback.objects.filter(program=program).aggregate(
        n=Count("pk"), amount=Sum("amount"), repaid=Sum("repaid")
    )
    f.clawbacks = {
        "count": claw["n"],
        "amount": _sum(claw["amount"]),
        "repaid": _sum(claw["repaid"]),
    }
    flags = Flag.objects.filter(program=program)
    f.flags = {
        "open": flags.filter(status=Flag.Status.OPEN).count(),
        "confirmed": flags.filter(status=Flag.Status.CONFIRMED).count(),
        "dismissed": flags.filter(status=Flag.Status.DISMISSED).count(),
        "listed": list(
            flags.exclude(status=Flag.Status.DISMISSED).order_by("-id")[:30]
        ),
    }
    return f


def _by_city(rows: Iterable[tuple]) -> list[tuple[str, int, Decimal]]:
    """(region, parent, level, count, total) rows summed by city (a county
    counts in its city), largest count first."""
    by_city: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for region, parent, level, n, total in rows:
        city = parent if level == "county" and parent else region
        by_city[city][0] += n
        by_city[city][1] += _sum(total)
    return sorted(
        ((city, n, total) for city, (n, total) in by_city.items()),
        key=lambda r: (-r[1], r[0]),
    )


def _group_name(groups: Mapping[str, GroupThresholds], key: str) -> str:
    group = groups.get(key)
    if group is None:
        return key or "—"
    return group.name_zh if get_language().startswith("zh") else group.name_en


def _transfer_sums(
    accounts: Iterable[LedgerAccount],
) -> Iterator[tuple[int, str, str, Decimal]]:
    """(account, transfer kind, "in"/"out", total) for the accounts."""
    from vouchers.models import LedgerTransfer

    ids = [a.pk for a in accounts]
    for account_id, kind, total in (
        LedgerTransfer.objects.filter(credit_id__in=ids)
        .values_list("credit_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        yield account_id, kind, "in", total
    for account_id, kind, total in (
        LedgerTransfer.objects.filter(debit_id__in=ids)
        .values_list("debit_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        yield account_id, kind, "out", total


# -- the detail rows (the CSV inside the PDF, a sheet of the XLSX) ---------------------

CHARGE_COLUMNS = (
    "charge_id",
    "voucher_code",
    "enterprise_credit_code",
    "enterprise",
    "provider",
    "offering",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "status",
    "invoice_number",
    "charged_at",
)


def program_charges(program: Program) -> QuerySet[Redemption]:
    from vouchers.models import Redemption

    return Redemption.objects.filter(program=program)


def charge_rows(charges: QuerySet[Redemption]) -> Iterator[Row]:
    for row in (
        charges.values_list(
            "pk",
            "voucher__code",
            "enterprise__uscc",
            "enterprise__name",
            "provider__name",
            "offering__name",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "status",
            "invoice_number",
            "created_at",
            "unit_other",
        )
        .order_by("pk")
        .iterator(chunk_size=5000)
    ):
        (pk, code, uscc, name, provider, offering, qty, unit, price, amount) = row[:10]
        status, invoice, created, unit_other = row[10:]
        yield (
            str(pk),
            code,
            uscc,
            name,
            provider,
            offering,
            f"{qty.normalize():f}",
            unit_label(unit, unit_other),
            f"{price.normalize():f}",
            f"{amount:.2f}",
            status,
            invoice,
            timezone.localtime(created).isoformat(timespec="seconds"),
        )


def charges_csv(charges: QuerySet[Redemption]) -> tuple[bytes, int, Decimal]:
    """The detail rows as UTF-8 CSV (with a BOM, so spreadsheet programs read
    the Chinese), how many, and their amounts' sum."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CHARGE_COLUMNS)
    count, total = 0, ZERO
    for row in charge_rows(charges):
        writer.writerow(row)
        count += 1
        total += Decimal(row[9])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count, total


# -- a provider's reconciliation over a period ----------------------------------------


@dataclass
class ProviderFigures:
    provider: object
    start: date
    end: date
    # per program: charges, confirmed, held, voided (yuan)
    by_program: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    paid_total: Decimal = ZERO
    confirmed_total: Decimal = ZERO
    charge_count: int = 0


def provider_charges(
    provider: Provider, start: date, end: date
) -> QuerySet[Redemption]:
    from vouchers.models import Redemption

    tz = timezone.get_current_timezone()
    return Redemption.objects.filter(
        provider=provider,
        created_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def provider_figures(provider: Provider, start: date, end: date) -> ProviderFigures:
    from vouchers.models import Redemption, Statement
    from vouchers.settlement.selectors import latest_reconciliation

    S = Redemption.Status
    f = ProviderFigures(provider=provider, start=start, end=end)
    charges = provider_charges(provider, start, end)
    for row in (
        charges.values("program__name_zh", "program__code")
        .annotate(
            n=Count("pk"),
            confirmed=Sum("amount", filter=Q(status=S.CONFIRMED)),
            held=Sum("amount", filter=Q(status__in=(S.PENDING, S.DISPUTED))),
            voided=Sum("amount", filter=Q(status=S.VOIDED)),
        )
        .order_by("program__code")
    ):
        f.by_program.append(
            {
                "program": f"{row['program__name_zh']}（{row['program__code']}）",
                "count": row["n"],
                "confirmed": _sum(row["confirmed"]),
                "held": _sum(row["held"]),
                "voided": _sum(row["voided"]),
            }
        )
        f.confirmed_total += _sum(row["confirmed"])
        f.charge_count += row["n"]
    for s in (
        Statement.objects.filter(
            provider=provider, period_start__lte=end, period_end__gte=start
        )
        .select_related("program", "payment")
        .order_by("period_start", "program__code")
    ):
        payment = getattr(s, "payment", None)
        reconciliation = latest_reconciliation(s)
        f.statements.append(
            {
                "number": s.number,
                "program": s.program.name_zh,
                "period": f"{s.period_start} — {s.period_end}",
                "status": s.get_status_display(),
                "charges": s.charge_count,
                "total": s.total,
                "reconciliation": (
                    (reconciliation.matched, reconciliation.differences)
                    if reconciliation
                    else None
                ),
                "paid_on": payment.paid_on if payment else None,
                "paid": payment.amount if payment else ZERO,
            }
        )
        f.paid_total += payment.amount if payment else ZERO
    return f


# -- an enterprise's dossier ---------------------------------------------------------------


@dataclass
class EnterpriseFigures:
    enterprise: object
    applications: list[dict] = field(default_factory=list)
    vouchers: list[dict] = field(default_factory=list)
    reimbursements: list[dict] = field(default_factory=list)
    clawbacks: list[dict] = field(default_factory=list)
    flags: list = field(default_factory=list)
    charge_count: int = 0
    charge_total: Decimal = ZERO


OUTCOME_LABELS = {
    "pass": gettext_lazy("passed"),
    "fail": gettext_lazy("failed"),
    "review": gettext_lazy("to review"),
    "not_applicable": gettext_lazy("not applicable"),
}


def enterprise_charges(enterprise: Enterprise) -> QuerySet[Redemption]:
    from vouchers.models import Redemption

    return Redemption.objects.filter(enterprise=enterprise)


def enterprise_figures(enterprise: Enterprise) -> EnterpriseFigures:
    from vouchers.eligibility.explain import stored_reason
    from vouchers.eligibility.registry import RULES
    from vouchers.models import (
        Application,
        Clawback,
        EligibilityDecision,
        Reimbursement,
        Voucher,
    )

    f = EnterpriseFigures(enterprise=enterprise)
    apps = list(
        Application.objects.filter(enterprise=enterprise)
        .exclude(status=Application.Status.DRAFT)
        .select_related("program", "provider")
        .order_by("submitted_at", "pk")
    )
    decisions: dict[str, list] = defaultdict(list)
    for d in (
        EligibilityDecision.objects.filter(
            subject_type="vouchers.application",
            subject_id__in=[str(a.pk) for a in apps],
        )
        .select_related("program_version")
        .order_by("pk")
    ):
        decisions[d.subject_id].append(d)
    for a in apps:
        rows = []
        for d in decisions[str(a.pk)]:
            rules = [
                {
                    "title": RULES[r["code"]].title_zh
                    if r["code"] in RULES
                    else r["code"],
                    "outcome": str(OUTCOME_LABELS.get(r["outcome"], r["outcome"])),
                    "reason": stored_reason(r, "zh-hans"),
                }
                for r in d.result.get("rules", [])
            ]
            rows.append(
                {
                    "at": d.decided_at,
                    "version": d.program_version.number,
                    "eligible": d.eligible,
                    "needs_review": d.needs_review,
                    "subsidy": d.subsidy,
                    "rules": rules,
                }
            )
        f.applications.append(
            {
                "number": a.number,
                "program": a.program.name_zh,
                "provider": a.provider.name if a.provider else "—",
                "contract": a.contract_number,
                "status": a.get_status_display(),
                "requested": a.requested_subsidy,
                "submitted_at": a.submitted_at,
                "decisions": rows,
            }
        )
    for v in (
        Voucher.objects.filter(enterprise=enterprise)
        .select_related("program")
        .order_by("issued_at")
    ):
        f.vouchers.append(
            {
                "code": v.code,
                "program": v.program.name_zh,
                "face": v.face_value,
                "issued": v.issued_at,
                "expires": v.expires_on,
                "status": v.get_status_display(),
            }
        )
    for r in Reimbursement.objects.filter(enterprise=enterprise).order_by("pk"):
        f.reimbursements.append(
            {
                "invoice": r.invoice_number,
                "issuer": r.invoice_issuer_name,
                "amount": r.amount,
                "verified": r.verified_amount,
                "status": r.get_status_display(),
            }
        )
    for c in Clawback.objects.filter(enterprise=enterprise).order_by("pk"):
        f.clawbacks.append(
            {
                "amount": c.amount,
                "repaid": c.repaid,
                "basis": c.legal_basis,
                "status": c.get_status_display(),
            }
        )
    f.flags = list(Flag.objects.filter(enterprise=enterprise).order_by("-id")[:50])
    agg = enterprise_charges(enterprise).aggregate(n=Count("pk"), total=Sum("amount"))
    f.charge_count, f.charge_total = agg["n"], _sum(agg["total"])
    return f
