from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.roles import DEPARTMENT_ROLES, Role

from .models import Department


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"), max_length=254)


class StaffGrantForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the account"), max_length=254)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.select_related("region")
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in Role if r in DEPARTMENT_ROLES],
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = (
            get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        )
        if user is None:
            raise forms.ValidationError(
                _("No account uses this address. Ask the person to sign up first.")
            )
        self.user = user
        return email
