from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyRangeForm(forms.Form):
    """Which positions to check; both empty: the whole chain."""

    first = forms.IntegerField(
        label=_("From position"), required=False, min_value=1, max_value=10**15
    )
    last = forms.IntegerField(
        label=_("To position"), required=False, min_value=1, max_value=10**15
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("The last position is before the first."))
        return data
