"""The figures of a program report, read from the database in a few
aggregate queries (and the detail rows, streamed), independent of how
they are printed. Every amount is a Decimal in yuan."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.money import ZERO
from enterprises.models import SizeClass
from enterprises.sme import GroupThresholds, load_standard
from vouchers.programs.labels import FUNDING_LABELS

from ..models import Flag

if TYPE_CHECKING:
    from vouchers.models import LedgerAccount, Program

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
    by_city: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for region, parent, level, n, total in (
        apps.values_list(
            "enterprise__region__name_zh",
            "enterprise__region__parent__name_zh",
            "enterprise__region__level",
        )
        .annotate(n=Count("pk"), total=Sum("requested_subsidy"))
        .order_by()
    ):
        city = parent if level == "county" and parent else region
        by_city[city][0] += n
        by_city[city][1] += _sum(total)
    f.applications_by_city = sorted(
        ((city, n, total) for city, (n, total) in by_city.items()),
        key=lambda r: (-r[1], r[0]),
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


def charge_rows(program: Program) -> Iterator[Row]:
    from vouchers.models import Redemption

    for row in (
        Redemption.objects.filter(program=program)
        .values_list(
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
        )
        .order_by("pk")
        .iterator(chunk_size=5000)
    ):
        (pk, code, uscc, name, provider, offering, qty, unit, price, amount) = row[:10]
        status, invoice, created = row[10:]
        yield (
            str(pk),
            code,
            uscc,
            name,
            provider,
            offering,
            f"{qty.normalize():f}",
            unit,
            f"{price.normalize():f}",
            f"{amount:.2f}",
            status,
            invoice,
            timezone.localtime(created).isoformat(timespec="seconds"),
        )


def charges_csv(program: Program) -> tuple[bytes, int, Decimal]:
    """The detail rows as UTF-8 CSV (with a BOM, so spreadsheet programs read
    the Chinese), how many, and their amounts' sum."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CHARGE_COLUMNS)
    count, total = 0, ZERO
    for row in charge_rows(program):
        writer.writerow(row)
        count += 1
        total += Decimal(row[9])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count, total
