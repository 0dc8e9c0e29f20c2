"""The self-check page's forms. They only render the fields: every rule is
checked by the API's serializer (serializers.SelfCheckRequestSerializer),
whose errors the page puts beside the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from config.forms import MONEY_INPUT_ATTRS
from enterprises.models import Provider, Region

from ..programs.params import FACILITIES

# Fields posted under the names the serializer's enterprise and contract take.
ENTERPRISE_FIELDS = (
    "credit_code",
    "region_code",
    "industry_code",
    "employees",
    "revenue",
    "total_assets",
    "established_on",
)
CONTRACT_FIELDS = (
    "signed_on",
    "term_months",
    "amount",
    "facility",
    "year_contract_total",
)


def _text(label, help_text="", **attrs) -> forms.CharField:
    # Not required and no checks of their own: the serializer checks.
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.TextInput(attrs=attrs),
    )


def _date(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _select(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Select()
    )


MONEY_ATTRS = MONEY_INPUT_ATTRS


class ProgramPickForm(forms.Form):
    program = _select(gettext_lazy("Voucher program"))

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].widget.choices = [
            ("", gettext_lazy("— choose a program —")),
            *[(p.code, f"{p.name} ({p.code})") for p in programs],
        ]


class EnterpriseFactsForm(forms.Form):
    credit_code = _text(
        gettext_lazy("Unified social credit code"),
        gettext_lazy("18 characters, as printed on the business licence."),
        autocomplete="off",
        spellcheck="false",
        maxlength="40",
    )
    region_code = _select(gettext_lazy("Registered region"))
    industry_code = _text(
        gettext_lazy("Industry (GB/T 4754-2017)"),
        gettext_lazy(
            "Section letter and 2-digit division, e.g. I65 (software and IT services) "
            "or C39; real estate needs the 4-digit class, e.g. K7020."
        ),
        maxlength="5",
    )
    employees = _text(
        gettext_lazy("Employees at year end"), inputmode="numeric", maxlength="10"
    )
    revenue = _text(
        gettext_lazy("Operating revenue (yuan)"),
        gettext_lazy("Last year's figure in yuan, e.g. 12000000.00."),
        **MONEY_ATTRS,
    )
    total_assets = _text(
        gettext_lazy("Total assets (yuan)"),
        gettext_lazy("At the end of last year, in yuan."),
        **MONEY_ATTRS,
    )
    established_on = _date(
        gettext_lazy("Date of establishment"), gettext_lazy("Optional.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.select_related("parent").order_by("code")
        self.fields["region_code"].widget.choices = [
            ("", gettext_lazy("— choose the district or county —")),
            *[(r.code, f"{_region_label(r)} ({r.code})") for r in regions],
        ]


def _region_label(region: Region) -> str:
    if region.parent_id and region.level == Region.Level.COUNTY:
        return f"{region.parent.name} · {region.name}"
    return region.name


class InvestmentRowsForm(forms.Form):
    """IT and AI investment, one row per year of ``years`` (optional): the
    years the program's benchmark rule adds up (selectors.investment_years)."""

    def __init__(self, *args, years: tuple[int, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        for year in years:
            self.fields[f"it_{year}"] = _text(
                gettext_lazy("IT investment %(year)d (yuan)") % {"year": year},
                **MONEY_ATTRS,
            )
            self.fields[f"ai_{year}"] = _text(
                gettext_lazy("Of which AI %(year)d (yuan)") % {"year": year},
                **MONEY_ATTRS,
            )

    def rows(self):
        return [
            {"year": y, "it": self[f"it_{y}"], "ai": self[f"ai_{y}"]}
            for y in self.years
        ]


class ContractFactsForm(forms.Form):
    signed_on = _date(gettext_lazy("Contract signed on"))
    term_months = _text(
        gettext_lazy("Term (months)"), inputmode="numeric", maxlength="4"
    )
    amount = _text(gettext_lazy("Contract amount (yuan)"), **MONEY_ATTRS)
    facility = _select(
        gettext_lazy("Compute facility"),
        gettext_lazy(
            "Some programs pay a higher rate for domestic compute facilities."
        ),
    )
    year_contract_total = _text(
        gettext_lazy("This year's compute contracts in total (yuan)"),
        gettext_lazy(
            "All of the enterprise's compute contracts this year, this one "
            "included. Leave empty if this is the only one."
        ),
        **MONEY_ATTRS,
    )

    def __init__(self, *args, facility_help: str | None = None, **kwargs):
        """``facility_help``: what the chosen program pays by facility type;
        "" when its rate does not depend on it (then it is not asked)."""
        super().__init__(*args, **kwargs)
        if facility_help == "":
            del self.fields["facility"]
            return
        labels = dict(Provider.Facility.choices)
        self.fields["facility"].widget.choices = [
            ("", gettext_lazy("— not known or not compute —")),
            *[(f, labels.get(f, f)) for f in FACILITIES],
        ]
        if facility_help:
            self.fields["facility"].help_text = facility_help
