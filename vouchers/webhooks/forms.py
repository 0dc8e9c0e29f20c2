from django import forms
from django.utils.translation import gettext_lazy as _

from ..models.webhooks import SUBSCRIBABLE_EVENTS


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address (HTTPS)"),
        max_length=500,
        widget=forms.URLInput(
            attrs={"placeholder": "https://billing.example.com/voucher-hooks"}
        ),
        help_text=_(
            "Your system's HTTPS address that accepts a POST; it must be reachable from the internet."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e.value, e.label) for e in SUBSCRIBABLE_EVENTS],
        initial=[e.value for e in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What your system is told about."),
    )
