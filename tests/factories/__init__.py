"""Test factories, one module per app, all importable from here
(``from tests.factories import ApplicationFactory, make_role_user``)."""

from allauth.mfa.models import Authenticator

from .accounts import PASSWORD, UserFactory, add_totp
from .enterprises import (
    EnterpriseFactory,
    ProviderFactory,
    department_for,
    make_role_user,
    membership,
)
from .vouchers import (
    ApplicationFactory,
    demo_program,
    make_open_program,
    make_program,
    make_sme,
    pdf_upload,
    program_params,
    sme_applicant,
    stage_reviewer,
    version_changed,
)

__all__ = [
    "PASSWORD",
    "ApplicationFactory",
    "Authenticator",
    "EnterpriseFactory",
    "ProviderFactory",
    "UserFactory",
    "add_totp",
    "demo_program",
    "department_for",
    "make_open_program",
    "make_program",
    "make_role_user",
    "make_sme",
    "membership",
    "pdf_upload",
    "program_params",
    "sme_applicant",
    "stage_reviewer",
    "version_changed",
]
