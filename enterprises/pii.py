"""Personal data: ID and phone numbers are masked wherever they are shown, and
ID numbers are kept only as a keyed hash (to compare) and a masked form."""

import hashlib
import hmac
import re

from django.conf import settings

_DIGITS = re.compile(r"\D")


def normalize_id_number(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def hash_id_number(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of an ID number: equal numbers give equal
    hashes, and nobody without the key can test guesses against it."""
    key = settings.PII_HASH_KEY.encode()
    return hmac.new(
        key, normalize_id_number(value).encode(), hashlib.sha256
    ).hexdigest()


def mask_id_number(value: str) -> str:
    """330106199001011234 → 3301**********1234."""
    value = normalize_id_number(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def normalize_phone(value: str) -> str:
    return _DIGITS.sub("", value or "")


def mask_phone(value: str) -> str:
    """13812341234 → 138****1234; short numbers keep only their last 2 digits."""
    digits = normalize_phone(value)
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]
