from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NAME_MAX


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX,
        help_text=_("Which system uses the key, e.g. “billing system, production”."),
    )
