"""Stored eligibility decisions (see vouchers.eligibility.records)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .programs import ProgramVersion


class EligibilityDecision(models.Model):
    """A stored eligibility decision: the facts it looked at, the program
    version it used and every rule's result, so it can be re-explained."""

    program_version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, related_name="decisions"
    )
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    facts = models.JSONField()
    result = models.JSONField()
    eligible = models.BooleanField()
    needs_review = models.BooleanField()
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    subsidy = models.DecimalField(max_digits=16, decimal_places=2)
    budget_remaining = models.DecimalField(max_digits=16, decimal_places=2)
    engine_version = models.CharField(max_length=10)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy__gte=0), name="decision_subsidy_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} v{self.program_version_id}"
