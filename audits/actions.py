"""The audit actions, one constant each, with a human label in zh and en."""

from django.utils.translation import gettext_lazy as _

USER_SIGNED_UP = "user.signed_up"
USER_LOGGED_IN = "user.logged_in"
USER_LOGIN_FAILED = "user.login_failed"
USER_LOGGED_OUT = "user.logged_out"
USER_EMAIL_CONFIRMED = "user.email_confirmed"
USER_PASSWORD_CHANGED = "user.password_changed"
USER_PASSWORD_RESET = "user.password_reset"
USER_MFA_ACTIVATED = "user.mfa_activated"
USER_MFA_DEACTIVATED = "user.mfa_deactivated"
USER_PROFILE_UPDATED = "user.profile_updated"
MEMBERSHIP_CREATED = "membership.created"
MEMBERSHIP_REMOVED = "membership.removed"
INVITATION_SENT = "invitation.sent"
INVITATION_ACCEPTED = "invitation.accepted"
INVITATION_REVOKED = "invitation.revoked"
SENSITIVE_VALUE_REVEALED = "sensitive.revealed"
DEPARTMENT_CREATED = "department.created"
ENTERPRISE_CREATED = "enterprise.created"
PROVIDER_CREATED = "provider.created"
USER_CREATED = "user.created"

LABELS = {
    USER_SIGNED_UP: _("Signed up"),
    USER_LOGGED_IN: _("Logged in"),
    USER_LOGIN_FAILED: _("Login failed"),
    USER_LOGGED_OUT: _("Logged out"),
    USER_EMAIL_CONFIRMED: _("E-mail address confirmed"),
    USER_PASSWORD_CHANGED: _("Password changed"),
    USER_PASSWORD_RESET: _("Password reset"),
    USER_MFA_ACTIVATED: _("Two-factor authentication turned on"),
    USER_MFA_DEACTIVATED: _("Two-factor authentication turned off"),
    USER_PROFILE_UPDATED: _("Profile updated"),
    MEMBERSHIP_CREATED: _("Role granted"),
    MEMBERSHIP_REMOVED: _("Role removed"),
    INVITATION_SENT: _("Colleague invited"),
    INVITATION_ACCEPTED: _("Invitation accepted"),
    INVITATION_REVOKED: _("Invitation withdrawn"),
    SENSITIVE_VALUE_REVEALED: _("Masked value revealed"),
    DEPARTMENT_CREATED: _("Department created"),
    ENTERPRISE_CREATED: _("Enterprise added to the register"),
    PROVIDER_CREATED: _("Provider added to the register"),
    USER_CREATED: _("Account created"),
}


def label(action: str) -> str:
    return str(LABELS.get(action, action))
