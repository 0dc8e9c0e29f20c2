from django import forms
from django.utils.translation import gettext_lazy as _

from vouchers.models import Program


class DashboardForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by("code"),
        empty_label=None,
    )
