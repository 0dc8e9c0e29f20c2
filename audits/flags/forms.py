from django import forms
from django.utils.translation import gettext_lazy as _

from vouchers.models import Program

from ..models import FlagStatus
from .rules import RULES
from .services import NOTE_MAX


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *FlagStatus.choices],
    )
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    program = forms.ModelChoiceField(
        label=_("Program"),
        required=False,
        queryset=Program.objects.order_by("code"),
        empty_label=_("All programs"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [
            ("", _("All rules")),
            *((code, rule.title) for code, rule in RULES.items()),
        ]


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Finding"),
        choices=[
            (FlagStatus.CONFIRMED, _("Confirmed: this needs action")),
            (FlagStatus.DISMISSED, _("Dismissed: explained, nothing wrong")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you looked at and what you found; kept with the flag."),
    )
