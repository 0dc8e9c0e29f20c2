"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

An 18-character code::

    position 1      registration authority (9 = market regulation)
    position 2      organisation category (after 9: 1 enterprise, 2 individual
                    business, 3 farmers' co-operative)
    positions 3-8   administrative-division code (GB/T 2260), digits only
    positions 9-17  organisation code (GB 11714), its own check char at 17
    position 18     GB 32100 check character

The GB 32100 check is authoritative and a failure is a validation error. The GB
11714 check on the embedded organisation code is only a warning: sources disagree
on its letter values (domain brief, section 4.2).

Pure functions, no database. Error and warning messages are lazy translations,
so this module can be imported and used without configured settings.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 Table 1, in value order (0-30)."""

WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
"""W_i = 3^(i-1) mod 31 for positions 1-17."""

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714 weights for the first 8 characters of the organisation code."""

NEVER_USED_LETTERS = "IOSVZ"

LENGTH = 18

_VALUES = {char: value for value, char in enumerate(CHARSET)}

# Full-width ASCII digits and letters (U+FF10-FF19, FF21-FF3A, FF41-FF5A) to
# half-width, plus ASCII-only upper-casing (str.upper would also turn e.g. "ı"
# into "I" and "ß" into "SS").
_NORMALIZE_TABLE = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},
    **{cp: cp - 0xFEE0 - 32 for cp in range(0xFF41, 0xFF5B)},
    **{cp: cp - 32 for cp in range(ord("a"), ord("z") + 1)},
}

# Position 1 and, per position 1, position 2 (GB 32100 tables, domain brief 4.1).
# The Chinese terms of the standard are given for translators.
REGISTRATION_AUTHORITIES = {
    # Translators: 机构编制
    "1": _("institutional establishment"),
    # Translators: 外交
    "2": _("foreign affairs"),
    # Translators: 司法行政
    "3": _("judicial administration"),
    # Translators: 文化
    "4": _("culture"),
    # Translators: 民政
    "5": _("civil affairs"),
    # Translators: 旅游
    "6": _("tourism"),
    # Translators: 宗教
    "7": _("religious affairs"),
    # Translators: 工会
    "8": _("trade unions"),
    # Translators: 工商 (market regulation)
    "9": _("market regulation"),
    # Translators: 中央军委改革和编制办公室
    "A": _("Central Military Commission reform and establishment office"),
    # Translators: 农业
    "N": _("agriculture"),
    # Translators: 其他
    "Y": _("other registration authority"),
}
_OTHER = _("other")
# Translators: 集体经济组织
_COLLECTIVE = _("collective economic organisation")
ORGANISATION_CATEGORIES = {
    "1": {
        # Translators: 机关
        "1": _("government organ"),
        # Translators: 事业单位
        "2": _("public institution"),
        # Translators: 群众团体
        "3": _("mass organisation"),
        "9": _OTHER,
    },
    "5": {
        # Translators: 社会团体
        "1": _("social organisation"),
        # Translators: 民办非企业单位
        "2": _("private non-enterprise unit"),
        # Translators: 基金会
        "3": _("foundation"),
        "9": _OTHER,
    },
    "9": {
        # Translators: 企业
        "1": _("enterprise"),
        # Translators: 个体工商户
        "2": _("individual business"),
        # Translators: 农民专业合作社
        "3": _("farmers' co-operative"),
    },
    "N": {"1": _COLLECTIVE, "2": _COLLECTIVE, "3": _COLLECTIVE, "9": _OTHER},
    "Y": {"1": _OTHER},
}

MARKET_ENTERPRISE_PREFIX = "91"

_MSG_LENGTH = _(
    "A unified social credit code has 18 characters; this one has %(length)d."
)
_MSG_CHARSET = _(
    "Character “%(char)s” at position %(position)d is not allowed in a unified "
    "social credit code."
)
_MSG_CHARSET_NEVER_USED = _(
    "Character “%(char)s” at position %(position)d is not allowed in a unified "
    "social credit code: the letters I, O, S, V and Z are never used."
)
_MSG_DIVISION = _("Positions 3–8 must be digits (the administrative division code).")
_MSG_CHECK = _(
    "The check character is wrong: the last character should be %(expected)s."
)
_MSG_ORG_CODE = _(
    "The organisation code in positions 9–17 does not pass its own check (GB 11714): "
    "position 17 would normally be %(expected)s. Please make sure the code is typed "
    "correctly."
)


def _interpolate(message, params) -> str:
    return str(message) % params


_lazy_interpolate = lazy(_interpolate, str)


def normalize_uscc(value: str) -> str:
    """Strip surrounding whitespace (including U+3000), map full-width digits and
    letters to ASCII and upper-case ASCII letters. Nothing else is changed."""
    if not isinstance(value, str):
        raise TypeError(f"A credit code is a string, got {type(value).__name__}")
    return value.translate(_NORMALIZE_TABLE).strip()


def uscc_check_character(body: str) -> str:
    """The GB 32100 check character (position 18) for a 17-character body.

    C18 = 31 - (sum of value * weight mod 31), with 31 mapped to 0.
    Raises ValueError if ``body`` is not 17 characters of CHARSET.
    """
    if len(body) != LENGTH - 1:
        raise ValueError(f"A USCC body has 17 characters, got {len(body)}: {body!r}")
    bad = [c for c in body if c not in _VALUES]
    if bad:
        raise ValueError(f"Characters {bad!r} are not in the GB 32100 character set")
    total = sum(_VALUES[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the normalised code, or raise ValidationError.

    Checks, in order: length (code "length"), character set of positions 1-17
    ("charset"), positions 3-8 digits ("division"), check character ("check").

    Position 18 is fully determined by positions 1-17, so any wrong character
    there, even one outside the character set, is reported as "check" with the
    expected character: the standard's own negative example 91350100M000100Y4Z
    gets "should be 3" rather than "Z is not allowed".
    """
    code = normalize_uscc(value)
    if len(code) != LENGTH:
        raise ValidationError(_MSG_LENGTH, code="length", params={"length": len(code)})
    for position, char in enumerate(code[:17], start=1):
        if char not in _VALUES:
            message = (
                _MSG_CHARSET_NEVER_USED if char in NEVER_USED_LETTERS else _MSG_CHARSET
            )
            raise ValidationError(
                message, code="charset", params={"char": char, "position": position}
            )
    for position in range(3, 9):
        if not code[position - 1].isdigit():
            raise ValidationError(
                _MSG_DIVISION, code="division", params={"position": position}
            )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _MSG_CHECK, code="check", params={"expected": expected, "actual": code[17]}
        )
    return code


def _org_code_value(char: str) -> int:
    # GB 11714: digits are themselves, letters A=10 ... Z=35 (ASCII - 55).
    return int(char) if char.isdigit() else ord(char) - 55


def org_code_check_character(body8: str) -> str:
    """The GB 11714 check character for the 8-character organisation-code body.

    C9 = 11 - (sum mod 11); 10 is written "X" and 11 is written "0".
    Raises ValueError for anything but 8 digits or upper-case ASCII letters.
    """
    if len(body8) != 8 or not all(
        c.isascii() and (c.isdigit() or c.isupper()) for c in body8
    ):
        raise ValueError(f"An organisation-code body is 8 digits or letters: {body8!r}")
    total = sum(
        _org_code_value(c) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_org_code_warning(value: str) -> str | None:
    """A (lazy, translatable) warning if positions 9-17 fail the GB 11714 check.

    Returns None when the organisation code passes, and also when the value is not
    a well-formed 18-character code (validate_uscc reports that). Never raises.
    """
    if not isinstance(value, str):
        return None
    code = normalize_uscc(value)
    if len(code) != LENGTH or any(c not in _VALUES for c in code[:17]):
        return None
    expected = org_code_check_character(code[8:16])
    if code[16] == expected:
        return None
    return _lazy_interpolate(_MSG_ORG_CODE, {"expected": expected})


def uscc_parts(value: str) -> dict:
    """Split a code into its parts for display.

    Returns registration_authority, category, division_code, org_code and
    check_character, plus registration_authority_name and category_name (lazy
    translations, or None when the GB tables do not list the value). Does not
    verify the check character; raises ValueError if the normalised value is not
    18 characters long.
    """
    code = normalize_uscc(value)
    if len(code) != LENGTH:
        raise ValueError(f"A USCC has 18 characters, got {len(code)}: {value!r}")
    authority, category = code[0], code[1]
    return {
        "registration_authority": authority,
        "registration_authority_name": REGISTRATION_AUTHORITIES.get(authority),
        "category": category,
        "category_name": ORGANISATION_CATEGORIES.get(authority, {}).get(category),
        "division_code": code[2:8],
        "org_code": code[8:17],
        "check_character": code[17],
    }


def is_market_enterprise(code: str) -> bool:
    """True for "91…" codes: enterprises registered by market regulation."""
    return normalize_uscc(code).startswith(MARKET_ENTERPRISE_PREFIX)


def make_uscc(
    division: str, org_body8: str, prefix: str = MARKET_ENTERPRISE_PREFIX
) -> str:
    """Build a code that passes both checks, for demo and test data.

    ``division`` is 6 digits, ``org_body8`` the first 8 characters of the
    organisation code (from CHARSET), ``prefix`` positions 1-2. The GB 11714 check
    character is appended as position 17 (it is always a digit or "X", both in
    CHARSET), then the GB 32100 check character as position 18.
    """
    division = normalize_uscc(division)
    org_body8 = normalize_uscc(org_body8)
    prefix = normalize_uscc(prefix)
    if len(division) != 6 or not all(c in "0123456789" for c in division):
        raise ValueError(f"division must be 6 digits, got {division!r}")
    if len(prefix) != 2 or any(c not in _VALUES for c in prefix):
        raise ValueError(f"prefix must be 2 characters of CHARSET, got {prefix!r}")
    if len(org_body8) != 8 or any(c not in _VALUES for c in org_body8):
        raise ValueError(
            f"org_body8 must be 8 characters of CHARSET, got {org_body8!r}"
        )
    body = prefix + division + org_body8 + org_code_check_character(org_body8)
    return body + uscc_check_character(body)
