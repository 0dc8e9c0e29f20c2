"""The public self-check: what it accepts and what it answers.

One place per rule: the API and the self-check page both validate with
``SelfCheckRequestSerializer``; the credit code, industry and region are
checked by the register's own validators. Money is Decimal yuan throughout:
JSON numbers are accepted only when they are whole (integers), decimal
amounts must come as strings, so nothing passes through a float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from config.api_fields import DecimalTextField, TextField, trimmed
from config.money import MONEY
from enterprises.models import Region
from enterprises.services.register import FIRST_DECLARATION_YEAR
from enterprises.uscc import validate_uscc
from enterprises.validators import validate_industry_code

from ..eligibility.registry import OUTCOMES
from ..models import Program
from ..programs.params import FACILITIES, SIZE_CLASSES
from ..programs.selectors import program_list_open

MONEY_MAX_DIGITS = MONEY["max_digits"]  # as the money columns
MAX_EMPLOYEES = 2_147_483_647
MAX_TERM_MONTHS = 120  # as ProgramParams.max_term_months allows
MAX_INVESTMENT_ROWS = 30

_REGION_CODE_RE = re.compile(r"[0-9]{6}")


class MoneyField(DecimalTextField):
    """An amount in yuan, at most two decimals (fen), never negative; the
    form of a number is config.api_fields'. Answers a string with two
    decimals."""

    default_error_messages = {
        "invalid": _(
            "Give the amount in yuan as digits, with at most two decimals, "
            "e.g. 400000.00."
        ),
        "max_decimal_places": _("Amounts have at most two decimal places (fen)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


class PositiveMoneyField(MoneyField):
    """An amount in yuan that must be more than zero."""

    positive = True


# The form of each code, as the schema publishes it. The server reads more
# than this (full-width characters and lower case are taken as ASCII capitals,
# for people who paste from documents) and then checks what no pattern can
# say: the credit code's check character, whether the division is in
# Zhejiang, whether the industry is covered, whether the program is open.
USCC_CHAR = "0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy"
USCC_PATTERN = trimmed(rf"[{USCC_CHAR}]{{2}}[0-9]{{6}}[{USCC_CHAR}]{{10}}")


class CreditCodeField(TextField):
    """A unified social credit code: 18 characters of GB 32100's set."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(pattern=USCC_PATTERN, example="91330106MA2CD0F16U", **kwargs)


class RegionCodeField(TextField):
    """A 6-digit administrative division code."""

    def __init__(self, **kwargs):
        super().__init__(pattern=trimmed("[0-9]{6}"), example="330106", **kwargs)


class IndustryCodeField(TextField):
    """A GB/T 4754-2017 section letter with its division (or class)."""

    def __init__(self, **kwargs):
        super().__init__(
            pattern=trimmed("[A-Ta-t][0-9]{2}([0-9]{1,2})?"), example="I65", **kwargs
        )


class ProgramCodeField(TextField):
    """A program's code; anything but blanks (an unknown code is answered)."""

    def __init__(self, **kwargs):
        super().__init__(example="HZ-COMPUTE-2026", **kwargs)


class RateField(serializers.DecimalField):
    """A rate as the program states it (e.g. "0.30"), not padded."""

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=6, decimal_places=4, coerce_to_string=True, **kwargs
        )

    def to_representation(self, value):
        return f"{Decimal(value):f}"


class InvestmentSerializer(serializers.Serializer):
    it = MoneyField(help_text="IT (信息化) investment of the year, yuan.")
    ai = MoneyField(help_text="Of which AI investment, yuan (at most `it`).")

    def get_fields(self):
        # The last year is this year, so the field (and the schema, which is
        # made from it on each request for /api/schema/) is made per use.
        fields = super().get_fields()
        last = timezone.localdate().year
        message = _("The year must be between %(first)d and %(last)d.") % {
            "first": FIRST_DECLARATION_YEAR,
            "last": last,
        }
        fields["year"] = serializers.IntegerField(
            min_value=FIRST_DECLARATION_YEAR,
            max_value=last,
            error_messages={"min_value": message, "max_value": message},
            help_text=f"Calendar year, {FIRST_DECLARATION_YEAR} to this year.",
        )
        return fields

    def validate(self, attrs):
        if attrs["ai"] > attrs["it"]:
            raise serializers.ValidationError(
                {"ai": [_("The AI part cannot be more than the IT investment.")]}
            )
        return attrs


class EnterpriseSerializer(serializers.Serializer):
    credit_code = CreditCodeField(
        max_length=40,
        help_text="Unified social credit code (统一社会信用代码), 18 characters.",
    )
    region_code = RegionCodeField(
        max_length=20,
        help_text="Registered administrative division (GB/T 2260), 6 digits, "
        "e.g. 330106 (Xihu district, Hangzhou).",
    )
    industry_code = IndustryCodeField(
        max_length=20,
        help_text="GB/T 4754-2017: section letter and 2-digit division, e.g. "
        "I65 or C39; the 4-digit class where the division is not enough "
        "(real estate), e.g. K7020.",
    )
    employees = serializers.IntegerField(
        min_value=0, max_value=MAX_EMPLOYEES, help_text="Employees at year end."
    )
    revenue = MoneyField(help_text="Operating revenue of the last year, yuan.")
    total_assets = MoneyField(help_text="Total assets at year end, yuan.")
    established_on = serializers.DateField(
        required=False,
        allow_null=True,
        error_messages={"invalid": _("Enter a valid date (YYYY-MM-DD).")},
        help_text="Date of establishment (optional).",
    )
    # A ListField (not many=True) so that the schema says maxItems too.
    investments = serializers.ListField(
        child=InvestmentSerializer(),
        required=False,
        max_length=MAX_INVESTMENT_ROWS,
        help_text="IT and AI investment by year (optional; the benchmark "
        "programs look at it), at most one entry per year.",
    )

    def validate_credit_code(self, value: str) -> str:
        # The register's validator says what is wrong (length, character, check).
        return validate_uscc(value)

    def validate_region_code(self, value: str) -> str:
        code = value.strip()
        if not _REGION_CODE_RE.fullmatch(code):
            raise serializers.ValidationError(
                _("Enter the 6-digit administrative division code, e.g. 330106.")
            )
        if not Region.objects.filter(code=code).exists():
            raise serializers.ValidationError(
                _("“%(code)s” is not an administrative division of Zhejiang.")
                % {"code": code}
            )
        return code

    def validate_industry_code(self, value: str) -> str:
        return validate_industry_code(value)

    def validate_established_on(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value

    def validate_investments(self, rows: list[dict]) -> list[dict]:
        seen: set[int] = set()
        errors: list[dict] = []
        for row in rows:
            if row["year"] in seen:
                errors.append({"year": [_("This year is given more than once.")]})
            else:
                errors.append({})
            seen.add(row["year"])
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class ContractSerializer(serializers.Serializer):
    signed_on = serializers.DateField(
        error_messages={"invalid": _("Enter a valid date (YYYY-MM-DD).")},
        help_text="Date the contract was signed.",
    )
    term_months = serializers.IntegerField(
        min_value=1, max_value=MAX_TERM_MONTHS, help_text="Term of service, months."
    )
    amount = PositiveMoneyField(help_text="Contract amount, yuan.")
    facility = serializers.ChoiceField(
        choices=FACILITIES,
        required=False,
        allow_blank=True,
        help_text="Compute programs: the provider's facility type "
        "(some pay a higher rate for domestic facilities).",
    )
    year_contract_total = MoneyField(
        required=False,
        allow_null=True,
        help_text="The enterprise's compute contracts this year, this one "
        "included, yuan (spend tiers look at it). Defaults to `amount`.",
    )

    def validate(self, attrs):
        total = attrs.get("year_contract_total")
        if total is not None and total < attrs["amount"]:
            raise serializers.ValidationError(
                {
                    "year_contract_total": [
                        _(
                            "The year's total includes this contract, so it cannot "
                            "be less than the contract amount."
                        )
                    ]
                }
            )
        return attrs


class SelfCheckRequestSerializer(serializers.Serializer):
    program = ProgramCodeField(
        max_length=40, help_text="Program code, e.g. HZ-COMPUTE-2026 (open programs)."
    )
    enterprise = EnterpriseSerializer()
    contract = ContractSerializer(
        required=False,
        allow_null=True,
        help_text="Optional: with a contract the answer estimates the subsidy.",
    )

    def validate_program(self, value: str) -> Program:
        code = value.strip().upper()
        program = Program.objects.select_related("region").filter(code=code).first()
        if program is None:
            raise serializers.ValidationError(
                _("There is no program with the code “%(code)s”.") % {"code": code}
            )
        if not program_list_open().filter(pk=program.pk).exists():
            raise serializers.ValidationError(
                _("The program “%(code)s” is not open for applications.")
                % {"code": code}
            )
        return program


# -- answers -----------------------------------------------------------------


class RuleResultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable rule code.")
    title = serializers.CharField(help_text="The rule's name, in the language asked.")
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    reason = serializers.CharField(
        help_text="Why, in the language asked, followed by the citation."
    )
    citation = serializers.CharField(
        allow_blank=True,
        help_text=(
            "The policy document and article the program version says the rule "
            "implements (document titles in Chinese, as published); empty when "
            "the version cites none."
        ),
    )


class CalculationStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    value = serializers.CharField(help_text="A decimal string (yuan or a rate).")
    basis = serializers.CharField(required=False)
    citation = serializers.CharField(
        allow_blank=True,
        help_text=(
            "The policy document and article the program version says the "
            "step's figure (the rate, the yearly cap) comes from; empty when "
            "it cites none."
        ),
    )


class SelfCheckResultSerializer(serializers.Serializer):
    program = serializers.CharField()
    version = serializers.IntegerField(help_text="The program version applied.")
    eligible = serializers.BooleanField(help_text="True when no rule fails.")
    needs_review = serializers.BooleanField(
        help_text="True when a rule asks for a reviewer's check."
    )
    size_class = serializers.ChoiceField(choices=SIZE_CLASSES)
    rules = RuleResultSerializer(many=True)
    rate = RateField(help_text='The subsidy rate, e.g. "0.30".')
    subsidy = MoneyField(
        help_text='Estimated subsidy in yuan; "0.00" when not eligible.'
    )
    calculation = CalculationStepSerializer(
        many=True, help_text="The subsidy's steps (empty without a contract)."
    )


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages by field path, e.g. "enterprise.credit_code", '
        '"enterprise.investments.2.ai", "non_field_errors".',
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def error_paths(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested errors to ``{"enterprise.investments.2.ai": [...]}``.

    An object's own errors (DRF's non_field_errors) belong to the object's
    path; at the top they stay under "non_field_errors".
    """
    out: dict[str, list[str]] = {}

    def add(path: str, messages: list[str]) -> None:
        out.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in error_paths(value, path).items():
                add(sub, messages)
    elif isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            add(prefix, [str(item) for item in detail])
        else:
            for index, item in enumerate(detail):
                if item:
                    path = f"{prefix}.{index}" if prefix else str(index)
                    for sub, messages in error_paths(item, path).items():
                        add(sub, messages)
    else:
        add(prefix, [str(detail)])
    return out
