"""Voucher codes: 16 characters in 4 groups (XXXX-XXXX-XXXX-XXXX) from an
alphabet without look-alike characters (no 0/O, 1/I/L), the last one a
Luhn mod 30 check character, so a mistyped character is always caught, and
two swapped neighbours too except the pair A↔8 (2 of 870 ordered pairs), before
any lookup. 15 random characters give
30^15 ≈ 1.4 × 10^22 codes: unguessable.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ2345678"  # 30 characters, no 0 O 1 I L 9
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
N = len(ALPHABET)
LENGTH = 16


def check_character(body: str) -> str:
    """Luhn mod N over ``body`` (the 15 characters before the check)."""
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return format_code(body + check_character(body))


def normalize(value: str) -> str:
    """Upper-case, without spaces or hyphens."""
    return "".join(ch for ch in (value or "").upper() if ch not in " -\t")


def is_valid(value: str) -> bool:
    code = normalize(value)
    if len(code) != LENGTH or any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:-1]) == code[-1]


def format_code(code: str) -> str:
    code = normalize(code)
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))
