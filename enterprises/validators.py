"""Field checks shared by the register's forms and the public API, so each
rule and its message live in one place."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import sme


def validate_industry_code(value: str) -> str:
    """A GB/T 4754-2017 code the SME standard covers, normalised (I65, K7020)."""
    code = (value or "").strip().upper()
    try:
        group = sme.industry_group(code)
    except ValueError as exc:
        raise ValidationError(
            _(
                "“%(code)s” is not a GB/T 4754-2017 code we know. Use the section "
                "letter and 2-digit division, e.g. I65, or the 4-digit class for "
                "real estate, e.g. K7020."
            )
            % {"code": code},
            code="industry",
        ) from exc
    if group == sme.NOT_COVERED:
        raise ValidationError(
            _(
                "Financial and public bodies are outside the SME size standard "
                "and cannot apply."
            ),
            code="not_covered",
        )
    return code
