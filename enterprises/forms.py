from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.roles import DEPARTMENT_ROLES, Role
from config.money import MONEY

from . import sme
from .filings import validate_filing_number
from .models import Department, Offering, Provider, Region, SizeClass
from .selectors import CreditStatus
from .uploads import check_upload
from .uscc import uscc_org_code_warning, validate_uscc
from .validators import validate_industry_code

MONEY_FIELD = {**MONEY, "min_value": Decimal("0")}


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


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.parent_id and obj.level == Region.Level.COUNTY:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name


def region_field(**kwargs):
    # The same empty choice as the self-check's region list.
    kwargs.setdefault("empty_label", _("— choose the district or county —"))
    return RegionChoiceField(
        label=kwargs.pop("label", _("Registered region")),
        queryset=Region.objects.select_related("parent").order_by("code"),
        **kwargs,
    )


class UsccField(forms.CharField):
    """A unified social credit code: normalised and checked (GB 32100)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Unified social credit code"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text", _("18 characters, as printed on the business licence.")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return validate_uscc(value) if value else value


class LicenceFileField(forms.FileField):
    """A file checked by content: PDF, JPEG or PNG within the size limit."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_upload(upload)
        return upload


class ClaimLookupForm(forms.Form):
    uscc = UsccField()

    def warning(self):
        uscc = self.cleaned_data.get("uscc")
        return uscc_org_code_warning(uscc) if uscc else None


class LicenceForm(forms.Form):
    licence = LicenceFileField(
        label=_("Business licence (PDF, JPEG or PNG)"),
        help_text=_("A scan or photo of the licence; at most 10 MB."),
    )


class EnterpriseProfileForm(forms.Form):
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=50
    )
    registered_address = forms.CharField(label=_("Registered address"), max_length=255)
    region = region_field()
    industry_code = forms.CharField(
        label=_("Industry (GB/T 4754-2017)"),
        max_length=5,
        help_text=_(
            "Section letter and 2-digit division, e.g. I65 (software and IT services) "
            "or C39; real estate needs the 4-digit class, e.g. K7020."
        ),
    )
    established_on = forms.DateField(
        label=_("Date of establishment"),
        required=False,
        # A date picker, as on the self-check; typed dates are YYYY-MM-DD.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, required=False
    )
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year of the figures below"), min_value=2000
    )
    employees = forms.IntegerField(
        label=_("Employees at year end"),
        min_value=0,
        max_value=2_147_483_647,  # the column's limit: more would be a server error
    )
    revenue = forms.DecimalField(label=_("Operating revenue (yuan)"), **MONEY_FIELD)
    total_assets = forms.DecimalField(label=_("Total assets (yuan)"), **MONEY_FIELD)

    def clean_industry_code(self):
        return validate_industry_code(self.cleaned_data["industry_code"])

    def clean_established_on(self):
        value = self.cleaned_data.get("established_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value

    def clean_fiscal_year(self):
        value = self.cleaned_data["fiscal_year"]
        if value > timezone.localdate().year:
            raise ValidationError(_("The fiscal year cannot be in the future."))
        return value

    def clean_contact_phone(self):
        phone = self.cleaned_data.get("contact_phone", "").strip()
        digits = "".join(c for c in phone if c.isdigit())
        if phone and (len(digits) < 7 or len(digits) > 15):
            raise ValidationError(_("Enter a phone number of 7 to 15 digits."))
        return phone


class ClaimNewEnterpriseForm(EnterpriseProfileForm, LicenceForm):
    """Claiming an enterprise that is not in the register yet."""


class DeclarationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    it_amount = forms.DecimalField(
        label=_("IT (信息化) investment (yuan)"), **MONEY_FIELD
    )
    ai_amount = forms.DecimalField(label=_("Of which AI (yuan)"), **MONEY_FIELD)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    evidence = LicenceFileField(
        label=_("Evidence (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("E.g. an audit report or invoices; at most 10 MB."),
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise ValidationError(_("The year cannot be in the future."))
        return year

    def clean(self):
        data = super().clean()
        it, ai = data.get("it_amount"), data.get("ai_amount")
        if it is not None and ai is not None and ai > it:
            self.add_error(
                "ai_amount", _("The AI part cannot be more than the IT investment.")
            )
        return data


class ShareholderForm(forms.Form):
    name = forms.CharField(label=_("Shareholder name"), max_length=200)
    id_number = forms.CharField(
        label=_("ID or credit code number"),
        max_length=18,
        required=False,
        help_text=_("Stored only as a keyed fingerprint and a masked form."),
    )

    def clean_id_number(self):
        value = "".join(self.cleaned_data.get("id_number", "").split()).upper()
        if value and (len(value) not in (15, 18) or not value.isalnum()):
            raise ValidationError(_("Enter 15 or 18 letters and digits."))
        return value


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: the licence matches")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (shown to the applicant)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the claim is rejected."))
        return data


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Provider name"), max_length=200)
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=50
    )
    registered_address = forms.CharField(label=_("Registered address"), max_length=255)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    offers_compute = forms.BooleanField(
        label=_("We sell compute services"), required=False
    )
    offers_model = forms.BooleanField(label=_("We sell model services"), required=False)
    facility = forms.ChoiceField(
        label=_("Compute facility"),
        choices=[("", _("— (no compute)")), *list(Provider.Facility.choices)],
        required=False,
        help_text=_("Some programs pay a higher rate for domestic compute facilities."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("offers_compute") and not data.get("offers_model"):
            self.add_error("offers_compute", _("Choose compute, model or both."))
        if data.get("offers_compute") and not data.get("facility"):
            self.add_error("facility", _("Choose the facility type of your compute."))
        return data


class ProviderApplyForm(ProviderForm):
    uscc = UsccField()
    licence = LicenceFileField(label=_("Business licence (PDF, JPEG or PNG)"))

    field_order = ["uscc", "name"]


class OfferingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Offering.Kind.choices)
    name = forms.CharField(label=_("Offering name"), max_length=200)
    unit = forms.ChoiceField(label=_("Unit"), choices=Offering.Unit.choices)
    unit_other = forms.CharField(
        label=_("Unit (if other)"), max_length=50, required=False
    )
    list_price = forms.DecimalField(
        label=_("List price (yuan per unit)"),
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0.0001"),
    )
    model_name = forms.CharField(label=_("Model name"), max_length=200, required=False)
    filing_number = forms.CharField(
        label=_("CAC filing number (备案号)"),
        max_length=100,
        required=False,
        help_text=_(
            "As the Cyberspace Administration published it, e.g. "
            "Beijing-WenXinYiYan-20230821."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Offering.Kind.MODEL:
            if not data.get("model_name", "").strip():
                self.add_error("model_name", _("Name the model."))
            if not data.get("filing_number", "").strip():
                self.add_error(
                    "filing_number", _("Model services need the model's filing number.")
                )
            else:
                try:
                    data["filing_number"] = validate_filing_number(
                        data["filing_number"]
                    )
                except ValidationError as exc:
                    self.add_error("filing_number", exc)
        if (
            data.get("unit") == Offering.Unit.OTHER
            and not data.get("unit_other", "").strip()
        ):
            self.add_error("unit_other", _("Name the unit."))
        return data


class ProviderDecisionForm(forms.Form):
    # Back to "applied" is the provider staff's move (by correcting), not a decision.
    to_status = forms.ChoiceField(
        choices=[c for c in Provider.Status.choices if c[0] != Provider.Status.APPLIED]
    )
    reason = forms.CharField(
        label=_("Reason (shown to the provider)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _group_choices():
    standard = sme.load_standard()
    english = (get_language() or "").startswith("en")
    return [("", _("All industries"))] + [
        (key, g.name_en if english else g.name_zh) for key, g in standard.groups.items()
    ]


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    industry_group = forms.ChoiceField(label=_("Industry group"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"),
        required=False,
        choices=[("", _("All sizes")), *list(SizeClass.choices)],
    )
    credit = forms.ChoiceField(
        label=_("Credit"),
        required=False,
        choices=[
            ("", _("Any credit status")),
            (CreditStatus.LISTED, _("On the dishonesty list")),
            (CreditStatus.RECENT, _("Removed from the list within 3 years")),
            (CreditStatus.CLEAR, _("Not listed")),
        ],
    )
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("region", _("Region")),
            ("size_class", _("Size class")),
            ("-revenue", _("Revenue, highest first")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level=Region.Level.COUNTY).order_by("code")
        self.fields["region"].choices = (
            [("", _("All regions"))]
            + [(r.code, r.name) for r in regions]
            + [
                (r.code, f"{r.parent.name} · {r.name}")
                for r in Region.objects.filter(
                    level=Region.Level.COUNTY
                ).select_related("parent")
            ]
        )
        self.fields["industry_group"].choices = _group_choices()
