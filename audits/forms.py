from django import forms
from django.utils.translation import gettext_lazy as _

from . import actions


class EventFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *sorted(actions.LABELS.items())],
    )
    actor = forms.CharField(
        label=_("Actor e-mail contains"), required=False, max_length=254
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        if (
            data.get("date_from")
            and data.get("date_to")
            and data["date_from"] > data["date_to"]
        ):
            self.add_error("date_to", _("The end date is before the start date."))
        return data
