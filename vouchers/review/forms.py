"""Forms of the review pages: the queue's filters and a reviewer's decision
on one application."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Program, RejectionReason, Review
from ..programs.labels import STAGE_LABELS
from .services import note_problem, reasons_problem

# Sort keys of the queue (selectors.QUEUE_ORDERING says what they order by).
QUEUE_ORDERS = {
    "submitted": _("Submitted, oldest first"),
    "-submitted": _("Submitted, newest first"),
    "-requested": _("Requested amount, highest first"),
    "requested": _("Requested amount, lowest first"),
    "enterprise": _("Enterprise"),
}


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReviewQueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Number, enterprise or credit code"), required=False, max_length=100
    )
    program = forms.ChoiceField(label=_("Program"), required=False)
    level = forms.ChoiceField(
        label=_("Review level"),
        required=False,
        choices=[("", _("All levels")), *STAGE_LABELS.items()],
    )
    needs_review = forms.ChoiceField(
        label=_("Flagged by the rules"),
        required=False,
        choices=[
            ("", _("Flagged or not")),
            ("yes", _("Flagged")),
            ("no", _("Not flagged")),
        ],
    )
    submitted_from = _date_field(_("Submitted from"))
    submitted_to = _date_field(_("Submitted until"))
    order = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(QUEUE_ORDERS.items())
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.exclude(status=Program.Status.DRAFT).order_by("code")
        self.fields["program"].choices = [("", _("All programs"))] + [
            (p.code, f"{p.code} {p.name}") for p in programs
        ]

    def clean(self):
        data = super().clean()
        first, last = data.get("submitted_from"), data.get("submitted_to")
        if first and last and last < first:
            self.add_error(
                "submitted_to", _("The end of the range is before its start.")
            )
        return data


class ReviewDecisionForm(forms.Form):
    """Approve, return for correction (saying what to correct) or reject
    (with reasons from the configured list). ``stage`` and ``revision`` say
    which state of the application the reviewer was looking at."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least one is needed to reject."),
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("To return an application, list what the applicant must correct."),
    )
    stage = forms.IntegerField(required=False, widget=forms.HiddenInput)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = [
            (r.code, r.label) for r in RejectionReason.objects.filter(is_active=True)
        ]

    def clean(self):
        # The services' own rules, so their messages stand beside the fields
        # before anything is decided.
        data = super().clean()
        decision = data.get("decision")
        problem = None
        if decision == Review.Decision.RETURN:
            problem = note_problem(data.get("note") or "")
            field = "note"
        elif decision == Review.Decision.REJECT:
            problem = reasons_problem(data.get("reasons") or [])
            field = "reasons"
        if problem:
            self.add_error(field, problem)
        return data
