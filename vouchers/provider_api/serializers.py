"""What the provider API accepts and answers. Amounts are decimal strings
in yuan; quantities and unit prices have at most four decimals; a JSON
number with a fraction has passed through a float and is refused."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api_fields import DecimalTextField, TextField

from ..models import Redemption, Voucher
from ..redemption.services import INVOICE_MAX, REASON_MAX, Charge
from ..self_check.serializers import CreditCodeField


class PositiveDecimalField(DecimalTextField):
    """More than zero, at most four decimals; a decimal string or a whole
    JSON number (config.api_fields)."""

    positive = True
    example = "100.5"
    default_error_messages = {
        "max_decimal_places": _("At most four decimal places."),
    }

    def __init__(self, **kwargs):
        super().__init__(max_digits=18, decimal_places=4, **kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class YuanField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(
            max_digits=16, decimal_places=2, coerce_to_string=True, **kwargs
        )


class VoucherLookupRequestSerializer(serializers.Serializer):
    code = TextField(
        max_length=40, help_text="The voucher code as printed (hyphens optional)."
    )
    credit_code = CreditCodeField(help_text="The holder's unified social credit code.")


class VoucherLookupSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Voucher.Status.choices)
    balance = YuanField(help_text="Left to spend (pending charges excluded), yuan.")
    expires_on = serializers.DateField()


class ChargeRequestSerializer(serializers.Serializer):
    voucher_code = TextField(max_length=40)
    credit_code = CreditCodeField(
        help_text="The voucher holder's unified social credit code."
    )
    offering = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Your offering's id."
    )
    quantity = PositiveDecimalField(help_text="Units used, e.g. card-hours.")
    unit_price = PositiveDecimalField(
        help_text="Yuan per unit; at most the offering's list price."
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    invoice_number = TextField(
        max_length=INVOICE_MAX,
        help_text=(
            "The invoice backing the charge: a fully digital invoice's 20 digits "
            "(全电发票: year, province region, channel, sequence), an older VAT "
            "invoice as CODE-NUMBER (10- or 12-digit code, 8-digit number), or "
            "the provider's own billing reference with a letter in it. A number "
            "of digits only is checked as a tax invoice (code invoice_format)."
        ),
    )

    def validate(self, attrs):
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError(
                {
                    "period_end": [
                        _("The period of use must end on or after its first day.")
                    ]
                }
            )
        return attrs

    def to_charge(self) -> Charge:
        d = self.validated_data
        return Charge(
            voucher_code=d["voucher_code"],
            credit_code=d["credit_code"],
            offering_id=d["offering"],
            quantity=d["quantity"],
            unit_price=d["unit_price"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            invoice_number=d["invoice_number"],
        )


class VoidRequestSerializer(serializers.Serializer):
    reason = TextField(max_length=REASON_MAX)


class RedemptionSerializer(serializers.ModelSerializer):
    voucher_code = serializers.CharField(source="voucher.code")
    offering = serializers.IntegerField(source="offering_id")
    quantity = serializers.DecimalField(
        max_digits=18, decimal_places=4, coerce_to_string=True
    )
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True
    )
    list_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True
    )
    amount = YuanField()
    unit_name = serializers.CharField(
        source="unit_label",
        help_text="The unit in the request's language (Accept-Language); `unit` is its code.",
    )

    class Meta:
        model = Redemption
        fields = [
            "id",
            "voucher_code",
            "offering",
            "quantity",
            "unit",
            "unit_name",
            "unit_price",
            "list_price",
            "amount",
            "above_list_price",
            "period_start",
            "period_end",
            "invoice_number",
            "status",
            "confirm_by",
            "dispute_reason",
            "decision_reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable code, e.g. insufficient_balance.")
    message = serializers.CharField(help_text="In the request's language.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field.",
    )
