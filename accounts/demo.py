"""Demo accounts, the one way every demo loader makes them (``manage.py
load_demo``, the register's and the applications' demo data): the shared
password, a verified e-mail address, a fixed TOTP secret for government
roles, and the audit event of each."""

from __future__ import annotations

import base64
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password

from audits import actions
from audits.services import audit_event_record

from .models import User

DEMO_PASSWORD = "Demo-Pass-2026"


class DemoUsers:
    """Finds or makes demo accounts; hashes the password once per run
    (hashing is slow on purpose). ``created`` counts the accounts made."""

    def __init__(self) -> None:
        self._password_hash: str | None = None
        self.created = 0

    def user(
        self, email: str, full_name: str = "", *, can_sign_in: bool = True
    ) -> User:
        """The account with this e-mail, made if missing (with the demo
        password, or none for a system actor nobody signs in as), with its
        address verified when it can sign in."""
        user = User.objects.filter(email=email).first()
        if user is None:
            if can_sign_in:
                if self._password_hash is None:
                    self._password_hash = make_password(DEMO_PASSWORD)
                password = self._password_hash
            else:
                password = make_password(None)
            user = User.objects.create(
                email=email,
                full_name=full_name,
                password=password,
                is_active=can_sign_in,
            )
            audit_event_record(
                action=actions.USER_CREATED,
                target=user,
                after={"email": email, "source": "demo"},
            )
            self.created += 1
        if can_sign_in:
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        return user


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo account, so the printed secret stays valid."""
    digest = hashlib.sha256(f"voucher-demo-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def demo_totp_activate(user: User) -> str:
    """Turn on TOTP with the account's fixed secret (once); returns the secret."""
    secret = demo_totp_secret(user.email)
    if not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists():
        TOTP.activate(user, secret)
        audit_event_record(
            action=actions.USER_MFA_ACTIVATED,
            target=user,
            after={"type": "totp", "source": "demo"},
        )
    return secret
