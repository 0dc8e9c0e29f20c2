"""The statement API's shapes (read only)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Payment, Statement
from ..provider_api.serializers import RedemptionSerializer, YuanField


class PaymentSerializer(serializers.ModelSerializer):
    amount = YuanField()

    class Meta:
        model = Payment
        fields = ["reference", "paid_on", "amount"]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code")
    total = YuanField()
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "program",
            "period_start",
            "period_end",
            "charge_count",
            "total",
            "status",
            "submitted_at",
            "approved_at",
            "payment",
        ]
        read_only_fields = fields

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, statement: Statement) -> dict | None:
        payment = getattr(statement, "payment", None)
        return PaymentSerializer(payment).data if payment else None


class StatementDetailSerializer(StatementSerializer):
    charges = RedemptionSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "charges"]
        read_only_fields = fields
