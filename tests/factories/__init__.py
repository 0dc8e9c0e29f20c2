"""Test factories, one module per app, all importable from here
(``from tests.factories import make_role_user``)."""

from allauth.mfa.models import Authenticator

from .accounts import PASSWORD, UserFactory, add_totp
from .enterprises import (
    EnterpriseFactory,
    ProviderFactory,
    department_for,
    make_role_user,
    membership,
)
from .vouchers import make_program, program_params

__all__ = [
    "PASSWORD",
    "Authenticator",
    "EnterpriseFactory",
    "ProviderFactory",
    "UserFactory",
    "add_totp",
    "department_for",
    "make_program",
    "make_role_user",
    "membership",
    "program_params",
]
