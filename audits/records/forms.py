from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Provider, Region
from vouchers.models import Application, Program, Redemption, Voucher

STATUSES = {
    "applications": [
        c for c in Application.Status.choices if c[0] != Application.Status.DRAFT
    ],
    "vouchers": Voucher.Status.choices,
    "charges": Redemption.Status.choices,
}


class RecordFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        required=False,
        queryset=Program.objects.order_by("code"),
        empty_label=_("All programs"),
    )
    city = forms.ModelChoiceField(
        label=_("City"),
        required=False,
        queryset=Region.objects.filter(level=Region.Level.CITY).order_by("code"),
        empty_label=_("All cities"),
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        required=False,
        queryset=Provider.objects.order_by("name"),
        empty_label=_("All providers"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Enterprise name or credit code"), required=False, max_length=100
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *STATUSES[kind]]
        if kind != "charges":
            del self.fields["provider"]
        else:
            self.fields["q"].label = _("Enterprise, provider or invoice number")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
