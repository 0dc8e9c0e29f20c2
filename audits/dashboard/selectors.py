"""The dashboard's chart data: a program's figures as plain JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from ..reports.data import ProgramFigures


def _n(value: Decimal) -> float:
    # ECharts draws numbers; the tables beside each chart show exact yuan.
    return float(value)


def chart_data(f: ProgramFigures) -> dict[str, Any]:
    total = f.budget_total
    return {
        "budget": {
            "labels": [
                _("Appropriated"),
                _("Issued to vouchers"),
                _("Released back"),
                _("Remaining"),
            ],
            "values": [
                _n(total.get(k, Decimal(0)))
                for k in ("appropriated", "issued", "released", "remaining")
            ],
        },
        "applications": {
            "labels": [label for label, _c, _t in f.applications_by_status],
            "values": [n for _l, n, _t in f.applications_by_status],
        },
        "monthly": {
            "labels": [month for month, _t in f.monthly],
            "values": [_n(t) for _m, t in f.monthly],
        },
        "cities": {
            "labels": [city for city, _n2, _t in f.applications_by_city],
            "values": [_n(t) for _c, _n2, t in f.applications_by_city],
        },
        "charge_cities": {
            "labels": [city for city, _n2, _t in f.charges_by_city],
            "values": [_n(t) for _c, _n2, t in f.charges_by_city],
        },
        "providers": {
            "labels": [r["provider"] for r in f.charges_by_provider],
            "values": [_n(r["confirmed"]) for r in f.charges_by_provider],
        },
    }
