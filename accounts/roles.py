"""The roles a membership can give, and which of them need a second factor."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant (enterprise staff)")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")
    REVIEWER = "reviewer", _("Reviewer")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    AUDITOR = "auditor", _("Auditor")


# Government roles: their pages need TOTP before use.
MFA_REQUIRED_ROLES = frozenset({Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR})
# Which organisation kind each role belongs to.
ENTERPRISE_ROLES = frozenset({Role.APPLICANT})
PROVIDER_ROLES = frozenset({Role.PROVIDER_STAFF})
DEPARTMENT_ROLES = frozenset({Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR})
