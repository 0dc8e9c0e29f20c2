"""Decimal numbers as the JSON APIs take them, with the schema that says so.

One field for every amount, quantity and price the APIs accept: a string of
digits with at most ``decimal_places`` decimals ("400000.00", "100.5") or a
whole JSON number (400000). A JSON number with a fraction or an exponent has
passed through a float and is refused; so is text in any other form (spaces,
signs, exponents, thousands separators, ""). The OpenAPI schema is made from
the same figures (``DecimalTextField.schema``), so a client that follows the
schema is never refused for the form of a number, and the schema-conformance
run (tests/api) checks that both agree.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, NoReturn

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class DecimalTextField(serializers.DecimalField):
    """Zero or more (``positive``: more than zero), at most ``max_digits``
    digits of which ``decimal_places`` after the point. Answers a string."""

    positive = False
    example = "400000.00"
    default_error_messages = {
        "float": _("Give amounts and rates as decimal strings, not floats."),
        "invalid": _(
            "Give a number as digits, with at most {places} decimals, e.g. {example}."
        ),
        "min_value": _("Amounts cannot be negative."),
        "positive": _("Must be more than zero."),
    }

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.places = decimal_places
        self.whole_digits = max_digits - decimal_places
        self.text_pattern = (
            rf"[0-9]{{1,{self.whole_digits}}}(\.[0-9]{{1,{decimal_places}}})?"
        )

    def schema(self) -> dict[str, Any]:
        # A positive number has a non-zero digit somewhere (the look-ahead).
        look_ahead = "(?=[0-9.]*[1-9])" if self.positive else ""
        return {
            "oneOf": [
                {
                    "type": "string",
                    "format": "decimal",
                    "pattern": f"^{look_ahead}{self.text_pattern}$",
                    "example": self.example,
                },
                {
                    "type": "integer",
                    "minimum": 1 if self.positive else 0,
                    "maximum": 10**self.whole_digits - 1,
                },
            ]
        }

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF's DecimalField takes "" (or spaces) as null when null is
        # allowed; the schema forbids it, so it is refused as any other text
        # that is not a number (leave the field out instead).
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, bool):
            self._fail_invalid()
        if isinstance(data, str) and re.fullmatch(self.text_pattern, data) is None:
            self._refuse_text(data)
        value = super().to_internal_value(data)
        if self.positive and value == 0:
            self.fail("positive")
        return value

    def _refuse_text(self, data: str) -> None:
        """The most helpful refusal of text that is not in the schema's form."""
        whole, places = self.whole_digits, self.places
        if data.startswith("-"):
            self.fail("min_value", min_value=0)
        if re.fullmatch(rf"[0-9]{{1,{whole}}}\.[0-9]{{{places + 1},}}", data):
            self.fail("max_decimal_places", max_decimal_places=places)
        if re.fullmatch(rf"[0-9]{{{whole + 1},}}(\.[0-9]*)?", data):
            self.fail("max_whole_digits", max_whole_digits=whole)
        self._fail_invalid()

    def _fail_invalid(self) -> None:
        self.fail("invalid")

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        # DRF's own "invalid" (a list, an object) comes without the figures.
        if key == "invalid":
            kwargs.setdefault("places", self.places)
            kwargs.setdefault("example", self.example)
        super().fail(key, **kwargs)


class DecimalTextFieldSchema(OpenApiSerializerFieldExtension):
    """Publishes each ``DecimalTextField`` with its own figures."""

    target_class = DecimalTextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return self.target.schema()


# What Python's str.strip() (and so DRF's trimming) takes for a blank, spelt
# out: a schema's \s is ECMAScript's, which differs (it has U+FEFF and lacks
# U+001C–U+001F and U+0085), and the schema must say what the server does.
BLANK = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000"
)
NOT_BLANK = f"[^{BLANK}]"


def trimmed(pattern: str) -> str:
    """A whole-text pattern for ``pattern`` with any blanks around it."""
    return f"^[{BLANK}]*{pattern}[{BLANK}]*$"


class TextField(serializers.CharField):
    """Text the API trims, published with a ``pattern`` (by default: not
    only blanks, which the API refuses as empty) and ``max_length``, which
    counts the blanks around the text as the schema's maxLength does (DRF
    alone would count only what is left after trimming)."""

    def __init__(
        self, *, pattern: str = NOT_BLANK, example: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.pattern = pattern
        self.example = example

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "pattern": self.pattern}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.example is not None:
            schema["example"] = self.example
        return schema

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if (
            isinstance(data, str)
            and self.max_length is not None
            and len(data) > self.max_length
        ):
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """Publishes each ``TextField`` with its pattern and length."""

    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return self.target.schema()
