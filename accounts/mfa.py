"""allauth's two-factor step in the site's words: a stale or wrong code is
answered with what to do, not just "incorrect" (MFA_ADAPTER), and the
code is named for what it is (MFA_FORMS)."""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as BaseAuthenticateForm
from django.utils.translation import gettext_lazy as _


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "This code is wrong or has expired. Enter the 6-digit code your "
            "authenticator app shows now (it changes every 30 seconds), or one "
            "of your recovery codes."
        ),
    }


class AuthenticateForm(BaseAuthenticateForm):
    """The code asked after the password (MFA_FORMS["authenticate"])."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from your authenticator app")
        self.fields["code"].help_text = _(
            "6 digits; it changes every 30 seconds. A recovery code works too."
        )
        self.fields["code"].widget.attrs["placeholder"] = ""
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
