import re

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

# A mainland mobile (11 digits from 1) or a landline with its area code
# (0 and 9 to 11 more digits); blanks and hyphens are ignored.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)


def _consent_label() -> SafeString:
    """The consent's label, with links to both texts (built per request,
    in the reader's language)."""
    return format_html(
        str(_("I have read and accept the {terms} and the {privacy}.")),
        terms=format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("legal", args=["terms"]),
            _("user agreement"),
        ),
        privacy=format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("legal", args=["privacy"]),
            _("privacy notice"),
        ),
    )


class SignupForm(forms.Form):
    """What sign-up asks besides the e-mail and the password (allauth's
    ACCOUNT_SIGNUP_FORM_CLASS): a name and phone the department can reach
    the person by, and the acceptance of the user agreement and the privacy
    notice, stored with their versions (accounts.services.user_consent_record,
    called by the adapter)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As on your ID card; reviewers see it with your applications."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("A mainland mobile number (or a landline with its area code)."),
    )
    accept = forms.BooleanField(
        label=lazy(_consent_label, SafeString)(),
        error_messages={
            "required": _(
                "To open an account, accept the user agreement and the privacy notice."
            )
        },
    )

    field_order = ["full_name", "phone"]

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_phone(self):
        digits = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if not PHONE_RE.match(digits):
            raise forms.ValidationError(
                _(
                    "Enter a mainland mobile number of 11 digits, or a landline with its area code."
                )
            )
        return digits

    def signup(self, request, user):
        """allauth calls it after saving the user; the adapter stored the
        fields and the consent already (in the sign-up's transaction)."""
