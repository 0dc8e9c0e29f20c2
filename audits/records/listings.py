"""Each listing: its filters, its rows and its columns, once, for the page
and the XLSX alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.formats import day, moment
from config.money import ZERO


@dataclass(frozen=True)
class Column:
    title: str | Promise
    value: Callable[[Any], object]
    money: bool = False


@dataclass(frozen=True)
class Listing:
    kind: str
    title: str | Promise
    rows: Callable[[dict[str, Any]], QuerySet]
    columns: tuple[Column, ...]
    link: Callable[[Any], str]
    # the money field summed in the totals
    total_field: str
    # the object type of its audit events (the history link)
    object_type: str

    def totals(self, rows: QuerySet) -> dict[str, Any]:
        got = rows.order_by().aggregate(n=Count("pk"), total=Sum(self.total_field))
        return {"count": got["n"], "total": got["total"] or ZERO}

    def history(self, obj: Any) -> str:
        from django.utils.http import urlencode

        return (
            reverse("audits:event-list")
            + "?"
            + urlencode({"object_type": self.object_type, "object_id": obj.pk})
        )


def _day_range(field: str, start: date | None, end: date | None) -> Q:
    """``field`` (a time) within the local days ``start``..``end``."""
    tz = timezone.get_current_timezone()
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": datetime.combine(start, time.min, tzinfo=tz)})
    if end:
        q &= Q(
            **{
                f"{field}__lt": datetime.combine(
                    end + timedelta(days=1), time.min, tzinfo=tz
                )
            }
        )
    return q


def _common(qs: QuerySet, f: dict[str, Any], *, when: str) -> QuerySet:
    if f.get("program"):
        qs = qs.filter(program=f["program"])
    if f.get("city"):
        qs = qs.filter(enterprise__region__code__startswith=f["city"].code[:4])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    qs = qs.filter(_day_range(when, f.get("date_from"), f.get("date_to")))
    if f.get("q"):
        text = f["q"].strip()
        qs = qs.filter(
            Q(enterprise__name__icontains=text) | Q(enterprise__uscc=text.upper())
        )
    return qs


def _applications(f: dict[str, Any]) -> QuerySet:
    from vouchers.models import Application

    qs = Application.objects.exclude(status=Application.Status.DRAFT).select_related(
        "enterprise__region", "program"
    )
    return _common(qs, f, when="submitted_at").order_by("-submitted_at", "-pk")


def _vouchers(f: dict[str, Any]) -> QuerySet:
    from vouchers.models import Voucher

    qs = Voucher.objects.select_related("enterprise__region", "program")
    return _common(qs, f, when="issued_at").order_by("-issued_at", "-pk")


def _charges(f: dict[str, Any]) -> QuerySet:
    from vouchers.models import Redemption

    qs = Redemption.objects.select_related(
        "enterprise__region", "program", "provider", "offering", "voucher"
    )
    if f.get("provider"):
        qs = qs.filter(provider=f["provider"])
    if f.get("q"):
        text = f["q"].strip()
        qs = qs.filter(
            Q(enterprise__name__icontains=text)
            | Q(enterprise__uscc=text.upper())
            | Q(provider__name__icontains=text)
            | Q(invoice_number=text)
        )
        f = {**f, "q": ""}
    return _common(qs, f, when="created_at").order_by("-created_at", "-pk")


def _region(e: Any) -> str:
    region = e.region
    if region.level == "county" and region.parent_id:
        return f"{region.parent} · {region}"
    return str(region)


APPLICATIONS = Listing(
    kind="applications",
    title=pgettext_lazy("records", "Applications"),
    rows=_applications,
    columns=(
        Column(_("Number"), lambda a: a.number),
        Column(_("Enterprise"), lambda a: a.enterprise.name),
        Column(_("Unified social credit code"), lambda a: a.enterprise.uscc),
        Column(_("Region"), lambda a: _region(a.enterprise)),
        Column(_("Program"), lambda a: a.program.name),
        Column(_("Status"), lambda a: a.get_status_display()),
        Column(
            _("Subsidy requested (yuan)"),
            lambda a: a.requested_subsidy,
            money=True,
        ),
        Column(_("Submitted"), lambda a: moment(a.submitted_at)),
    ),
    link=lambda a: reverse("review:detail", args=[a.pk]),
    total_field="requested_subsidy",
    object_type="vouchers.application",
)

VOUCHERS = Listing(
    kind="vouchers",
    title=pgettext_lazy("records", "Vouchers"),
    rows=_vouchers,
    columns=(
        Column(_("Voucher code"), lambda v: v.code),
        Column(_("Enterprise"), lambda v: v.enterprise.name),
        Column(_("Region"), lambda v: _region(v.enterprise)),
        Column(_("Program"), lambda v: v.program.name),
        Column(_("Face value (yuan)"), lambda v: v.face_value, money=True),
        Column(_("Issued"), lambda v: moment(v.issued_at)),
        Column(_("Valid until"), lambda v: day(v.expires_on)),
        Column(_("Status"), lambda v: v.get_status_display()),
    ),
    link=lambda v: reverse("vouchers:voucher-detail", args=[v.code]),
    total_field="face_value",
    object_type="vouchers.voucher",
)

CHARGES = Listing(
    kind="charges",
    title=pgettext_lazy("records", "Charges"),
    rows=_charges,
    columns=(
        Column(_("No."), lambda c: c.pk),
        Column(_("Voucher code"), lambda c: c.voucher.code),
        Column(_("Enterprise"), lambda c: c.enterprise.name),
        Column(_("Provider"), lambda c: c.provider.name),
        Column(_("Offering"), lambda c: c.offering.name),
        Column(_("Quantity"), lambda c: f"{c.quantity.normalize():f} {c.unit_label}"),
        Column(
            _("Unit price (yuan)"),
            lambda c: Decimal(c.unit_price).normalize(),
        ),
        Column(_("Amount (yuan)"), lambda c: c.amount, money=True),
        Column(_("Invoice number"), lambda c: c.invoice_number),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Charged"), lambda c: moment(c.created_at)),
    ),
    link=lambda c: reverse("vouchers:charge-detail", args=[c.pk]),
    total_field="amount",
    object_type="vouchers.redemption",
)

LISTINGS = {x.kind: x for x in (APPLICATIONS, VOUCHERS, CHARGES)}
