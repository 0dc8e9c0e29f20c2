"""Secrets the server must read back, sealed at rest: a webhook's signing
secret signs every delivery, so unlike an API key (kept as a digest) it
cannot be hashed. It is stored as a Fernet token (AES-128-CBC with
HMAC-SHA256, from ``cryptography``), so a copy of the database or a backup
does not give away the secrets providers check our signatures with.

The keys are ``SEALING_KEYS`` (env ``DJANGO_SEALING_KEYS``, comma-separated
Fernet keys: the first seals, every one unseals, so a new key goes first
and the old one stays after it for as long as secrets sealed with it are in
use, e.g. until providers have replaced their endpoints). Without
them (demo, tests) one key is derived from SECRET_KEY with HKDF-SHA256;
production requires its own (config/settings/production.py)."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Changing it changes the derived key: sealed values would no longer open.
DERIVATION_INFO = b"voucher-platform/sealing/1"


class SealBroken(Exception):
    """A sealed value none of the keys opens (a key was dropped, or the
    value was altered)."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY, for when no key is configured."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    chosen = [k.encode() for k in keys if k] or [derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in chosen])


def _current() -> MultiFernet:
    return _fernet(
        tuple(getattr(settings, "SEALING_KEYS", ()) or ()), settings.SECRET_KEY
    )


def seal(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SealBroken from exc
