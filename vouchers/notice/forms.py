"""The objection form (public) and the program manager's resolution form.
The services check every rule again."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .services import CONTACT_MAX, NAME_MAX, REASON_MAX, RESOLUTION_MAX


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("Your name or organisation"), max_length=NAME_MAX)
    contact = forms.CharField(
        label=_("How to reach you"),
        max_length=CONTACT_MAX,
        help_text=_("A telephone number or an e-mail address; it is not published."),
    )
    reason = forms.CharField(
        label=_("What you object to, and why"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Facts the department can check, e.g. a related party, a contract "
            "that was not performed, false figures."
        ),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("One PDF, JPEG or PNG file."),
    )


class ResolutionForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("objection", "Decision"),
        choices=[
            ("dismiss", _("Dismiss: the objection does not stand, the notice goes on")),
            ("uphold", _("Uphold: the application is rejected")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=RESOLUTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What was checked and found. When upheld it is sent to the applicant "
            "as the reason for the rejection."
        ),
    )
