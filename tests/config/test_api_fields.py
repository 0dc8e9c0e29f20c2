"""The API's number and text fields take exactly what their schema says."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework import serializers

from config.api_fields import DecimalTextField, TextField, trimmed


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_words_are_chinese_first():
    with translation.override("zh-hans"):
        assert refusal(Fen(), "x") == "请填写数字，最多 2 位小数，例如 400000.00。"


class Fen(DecimalTextField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=16, decimal_places=2, **kwargs)


class PositiveFour(DecimalTextField):
    positive = True
    example = "100.5"

    def __init__(self, **kwargs):
        super().__init__(max_digits=18, decimal_places=4, **kwargs)


def refusal(field, value) -> str:
    with pytest.raises(serializers.ValidationError) as caught:
        field.run_validation(value)
    return str(caught.value.detail[0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", Decimal("0")),
        ("400000", Decimal("400000")),
        ("400000.5", Decimal("400000.5")),
        ("99999999999999.99", Decimal("99999999999999.99")),
        (400000, Decimal("400000")),
    ],
)
def test_digits_or_a_whole_number_are_taken(value, expected):
    assert Fen().run_validation(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "Give a number as digits, with at most 2 decimals, e.g. 400000.00."),
        (" 1", "Give a number as digits"),
        ("1e3", "Give a number as digits"),
        ("1,000", "Give a number as digits"),
        ("+1", "Give a number as digits"),
        ("NaN", "Give a number as digits"),
        (True, "Give a number as digits"),
        ([1], "Give a number as digits"),
        ({"yuan": 1}, "Give a number as digits"),
        (1.5, "Give amounts and rates as decimal strings, not floats."),
        ("-1", "Amounts cannot be negative."),
        (-1, "Amounts cannot be negative."),
        ("1.001", "Ensure that there are no more than 2 decimal places."),
        ("100000000000000", "Ensure that there are no more than 14 digits before"),
    ],
)
def test_anything_else_is_refused_with_words_that_say_what_is_wanted(value, words):
    assert refusal(Fen(), value).startswith(words)


def test_a_positive_field_refuses_zero_and_names_its_own_figures():
    assert refusal(PositiveFour(), "0.0000") == "Must be more than zero."
    assert refusal(PositiveFour(), "x") == (
        "Give a number as digits, with at most 4 decimals, e.g. 100.5."
    )
    assert PositiveFour().run_validation("0.0001") == Decimal("0.0001")


@pytest.mark.parametrize("field", [Fen(), PositiveFour()])
@pytest.mark.parametrize(
    "text", ["0", "1", "12.5", "0.01", "00", "1.", ".5", "0.00", "1 ", "١٢"]
)
def test_the_schema_pattern_and_the_server_agree(field, text):
    pattern = field.schema()["oneOf"][0]["pattern"]
    allowed = re.search(pattern, text) is not None
    try:
        field.run_validation(text)
        taken = True
    except serializers.ValidationError:
        taken = False
    assert allowed == taken, (pattern, text)


def test_a_text_fields_length_counts_the_blanks_as_the_schema_does():
    field = TextField(max_length=5)
    assert field.run_validation(" abc ") == "abc"
    assert refusal(field, " abcd ").startswith("Ensure this field has no more than 5")
    assert field.schema()["maxLength"] == 5


@pytest.mark.parametrize("blank", [" ", "\t", "\x1c", "\x85", "\u3000", "\u2028"])
def test_the_blanks_the_schema_names_are_those_the_server_trims(blank):
    field = TextField(max_length=10)
    assert re.search(field.schema()["pattern"], blank * 3) is None
    assert refusal(field, blank * 3) == "This field may not be blank."
    assert field.run_validation(f"{blank}a{blank}") == "a"
    assert re.fullmatch(trimmed("a"), f"{blank}a{blank}")
