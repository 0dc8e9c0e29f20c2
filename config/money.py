"""Money: yuan as ``Decimal`` with two places (fen), never a float.

One copy of the column size, the constants and the rounding, shared by the
register and the voucher programs. Every sum read from the database goes
through ``quantize`` (or ``sum_of``): SQLite gives sums back with whatever
exponent the stored values had (``Decimal('49400000')``), PostgreSQL with
the column's two places, and a stored decision must explain itself the same
way on both.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypedDict

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .exceptions import ApplicationError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class DecimalColumn(TypedDict):
    max_digits: int
    decimal_places: int


# Keyword arguments of every amount column: up to 99,999,999,999,999.99 yuan.
MONEY: DecimalColumn = {"max_digits": 16, "decimal_places": 2}
# Ledger balances and transfers: two more digits, since a funding account
# holds minus the sum of everything it appropriated.
LEDGER_MONEY: DecimalColumn = {"max_digits": 18, "decimal_places": 2}


def quantize(amount: Decimal | int | str) -> Decimal:
    """``amount`` rounded half-up to the fen (11.005 → 11.01)."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def is_fen_amount(amount: object) -> bool:
    """A ``Decimal`` above zero with at most two decimal places."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        return False
    try:
        return amount == amount.quantize(FEN)
    except InvalidOperation:  # too many digits to quantize
        return False


def fen_amount_or_refuse(value: object, *, code: str, field: str = "amount") -> Decimal:
    """``value`` (a Decimal or the text typed) as an amount in yuan above
    zero, to the fen; otherwise an ApplicationError with ``code`` on
    ``field`` and a message that says what is expected."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if not is_fen_amount(amount):
        raise ApplicationError(
            _("Enter an amount in yuan of more than zero, to the fen (e.g. 12000.50)."),
            code=code,
            field=field,
        )
    return quantize(amount)


def sum_of(queryset: QuerySet, field: str) -> Decimal:
    """The sum of an amount column over ``queryset``, 0.00 when empty, in fen."""
    total = queryset.aggregate(
        total=Coalesce(
            Sum(field), Value(ZERO), output_field=DecimalField(**LEDGER_MONEY)
        )
    )["total"]
    return quantize(total)


def yuan(amount: Decimal) -> str:
    """Yuan with thousands separators and two places: 1,234,567.80. The
    zh-hans number format has no separators, so this is not localised."""
    return f"{amount:,.2f}"


def percent(rate: Decimal) -> str:
    """A rate as a percentage without trailing zeros: 0.30 → 30%, 0.125 → 12.5%."""
    return f"{(rate * 100).normalize():f}%"
