"""Forms of the applicant's application steps.

The forms parse what is typed (required fields, numbers, dates, uploads by
content and size) and show the contract's rules beside the fields, all at
once, by asking the service's own check (``services.contract_problems``);
the service enforces them again when it saves, and its refusals are put
beside the field they name (``config.forms.apply_service_error``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from config.forms import MONEY_INPUT_ATTRS
from enterprises.forms import LicenceFileField
from enterprises.models import Document, Enterprise, Offering, Provider
from enterprises.selectors import providers_approved

from ..models import Program
from ..programs.labels import category_labels
from .services import LineInput, contract_problems

# The contract step shows at least this many line-item rows (empty rows are
# ignored); more when a saved contract or a draft has more lines.
LINE_ROWS = 6
MAX_LINE_ROWS = 40
LINE_PARTS = ("category", "description", "amount")
LINE_FIELD = re.compile(r"^line_(\d+)_(category|description|amount)$")
CONTRACT_FIELDS = (
    "provider",
    "offering",
    "contract_number",
    "signed_on",
    "term_months",
    "year_contract_total",
)
# What a draft keeps of one posted value (a draft is raw input, not a store).
DRAFT_VALUE_MAX = 500
LINES_ERROR = "lines"

MONEY_ATTRS = MONEY_INPUT_ATTRS


# -- step 1: program -----------------------------------------------------------


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class NewApplicationForm(forms.Form):
    """The enterprise (one of the user's own) and the program. Any published
    program is accepted here so that a closed one is refused by the service
    with its own message; the list offers the open ones."""

    enterprise = forms.ModelChoiceField(
        label=_("Applicant enterprise"), queryset=Enterprise.objects.none()
    )
    program = ProgramChoiceField(
        label=_("Voucher program"), queryset=Program.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.filter(
            memberships__user=user, memberships__role=Role.APPLICANT
        ).order_by("name")
        self.fields["enterprise"].queryset = enterprises
        self.fields["enterprise"].empty_label = _("— choose the enterprise —")
        field = self.fields["program"]
        field.queryset = Program.objects.exclude(status=Program.Status.DRAFT)
        field.empty_label = None
        field.widget.choices = [
            ("", _("— choose a program —")),
            *[
                (p.pk, field.label_from_instance(p))
                for p in Program.objects.filter(status=Program.Status.OPEN)
            ],
        ]


# -- step 2: contract ---------------------------------------------------------


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.uscc})"


class OfferingSelect(forms.Select):
    """Each offering says whose it is, so the page can show only the chosen
    provider's offerings (static/js/autosave.js)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-provider"] = str(instance.provider_id)
        return option


class OfferingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        text = f"{obj.provider.name} · {obj.name}"
        if obj.filing_number:
            text += f" ({obj.filing_number})"
        return text


def line_field_names(index: int) -> tuple[str, str, str]:
    return tuple(f"line_{index}_{part}" for part in LINE_PARTS)


def line_rows_in(data) -> int:
    """How many line rows the posted or drafted data has (highest index + 1)."""
    highest = -1
    for key in data or {}:
        match = LINE_FIELD.match(key)
        if match:
            highest = max(highest, int(match.group(1)))
    return min(highest + 1, MAX_LINE_ROWS)


def draft_data(post) -> dict[str, str]:
    """The contract step's raw input as a draft keeps it: only the step's
    fields, each value as typed (shortened if absurdly long)."""
    kept = {}
    for key, value in post.items():
        match = LINE_FIELD.match(key)
        if key in CONTRACT_FIELDS or (match and int(match.group(1)) < MAX_LINE_ROWS):
            kept[key] = str(value)[:DRAFT_VALUE_MAX]
    return kept


class ContractForm(forms.Form):
    provider = ProviderChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        help_text=_("Only providers on the approved list can be chosen."),
    )
    offering = OfferingChoiceField(
        label=_("Service bought"),
        queryset=Offering.objects.none(),
        required=False,
        widget=OfferingSelect,
    )
    contract_number = forms.CharField(
        label=_("Contract number"),
        max_length=100,
        help_text=_("As printed on the contract."),
    )
    signed_on = forms.DateField(
        label=_("Signing date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    year_contract_total = forms.DecimalField(
        label=_("This year's compute contracts in total (yuan)"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        help_text=_(
            "All of the enterprise's compute contracts this year, this one "
            "included. Some programs pay a higher rate below a yearly total. "
            "Leave empty if this is the only one."
        ),
    )

    def __init__(self, *args, program: Program, rows: int = LINE_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["provider"].queryset = providers_approved()
        self.fields["provider"].empty_label = _("— choose the provider —")
        offering = self.fields["offering"]
        offering.queryset = (
            Offering.objects.filter(
                provider__status=Provider.Status.APPROVED, is_active=True
            )
            .select_related("provider")
            .order_by("provider__name", "kind", "name")
        )
        if program.kind == Program.Kind.MODEL:
            offering.required = True
            offering.empty_label = _("— choose the model service —")
            offering.help_text = _(
                "Model vouchers pay for a filed model service: choose the one "
                "the contract buys."
            )
        else:
            offering.empty_label = _("— not listed / several —")
            offering.help_text = _("Optional: the provider's listed service, if any.")
        self.rows = max(LINE_ROWS, min(rows, MAX_LINE_ROWS))
        categories = [("", _("— category —")), *category_labels().items()]
        for i in range(self.rows):
            n = i + 1
            category, description, amount = line_field_names(i)
            self.fields[category] = forms.ChoiceField(
                label=_("Line %(n)d: category") % {"n": n},
                choices=categories,
                required=False,
            )
            self.fields[description] = forms.CharField(
                label=_("Line %(n)d: description") % {"n": n},
                max_length=200,
                required=False,
            )
            self.fields[amount] = forms.DecimalField(
                label=_("Line %(n)d: amount (yuan)") % {"n": n},
                max_digits=16,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
                widget=forms.TextInput(attrs=MONEY_ATTRS),
            )

    def line_rows(self):
        return [
            {"n": i + 1, "fields": [self[name] for name in line_field_names(i)]}
            for i in range(self.rows)
        ]

    def _raw(self, name: str) -> str:
        return str(self.data.get(self.add_prefix(name), "") or "").strip()

    def clean(self):
        data = super().clean()
        lines = []
        for i in range(self.rows):
            names = line_field_names(i)
            if not any(self._raw(name) for name in names):
                continue  # an empty row
            category, description, amount = names
            if not self._raw(category):
                self.add_error(category, _("Choose a category."))
            if not self._raw(description):
                self.add_error(description, _("Describe what this line buys."))
            if not self._raw(amount):
                self.add_error(amount, _("Enter the amount."))
            if all(name in data and data[name] not in ("", None) for name in names):
                lines.append(LineInput(data[category], data[description], data[amount]))
        data["lines"] = lines
        rows_incomplete = any(name.startswith("line_") for name in self.errors)
        for field, message in contract_problems(
            program=self.program,
            provider=data.get("provider"),
            offering=data.get("offering"),
            contract_number=data.get("contract_number") or "",
            signed_on=data.get("signed_on"),
            term_months=data.get("term_months"),
            year_contract_total=data.get("year_contract_total"),
            lines=lines,
        ):
            if field in self.errors or (field == LINES_ERROR and rows_incomplete):
                continue  # its own field already says what is wrong
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, forms.ValidationError(message, code=field))
        return data

    def _non_field(self, lines: bool) -> list[str]:
        found = self.errors.as_data().get(NON_FIELD_ERRORS, [])
        return [
            message
            for error in found
            if (error.code == LINES_ERROR) == lines
            for message in error.messages
        ]

    def lines_errors(self) -> list[str]:
        """Errors of the line items as a whole (shown beside the table)."""
        return self._non_field(True)

    def top_errors(self) -> list[str]:
        return self._non_field(False)


# -- step 3: documents ----------------------------------------------------------


class DocumentsForm(forms.Form):
    """One upload per required kind; each file is checked by its content
    (PDF, JPEG or PNG) and size. A new file replaces the one uploaded before."""

    def __init__(self, *args, kinds, attached, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Document.Kind.choices)
        for kind in kinds:
            self.fields[kind] = LicenceFileField(
                label=labels.get(kind, kind),
                required=False,
                help_text=(
                    _("Uploaded. Choose a file only to replace it.")
                    if kind in attached
                    else _("PDF, JPEG or PNG; at most %(size)s.")
                    % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES)}
                ),
                widget=forms.FileInput(
                    attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}
                ),
            )
