"""Stored decisions: record one with everything that produced it, and
re-explain it later with the same facts and the same program version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Value

from ..models import EligibilityDecision, ProgramVersion
from ..programs.selectors import program_context
from .engine import Decision, ProgramContext, evaluate
from .facts import Facts


def decision_row(
    *,
    ctx: ProgramContext,
    version: ProgramVersion,
    facts: Facts,
    decision: Decision,
    subject_type: str | Value,
    subject_id: str | int,
) -> EligibilityDecision:
    """The unsaved row of a decision, with everything that produced it:
    ``decision_record`` saves one, re-screening bulk-inserts a batch."""
    return EligibilityDecision(
        program_version=version,
        subject_type=subject_type,
        subject_id=str(subject_id),
        facts=facts.to_json(),
        result=decision.to_json(),
        eligible=decision.eligible,
        needs_review=decision.needs_review,
        rate=decision.rate,
        subsidy=decision.subsidy,
        budget_remaining=ctx.budget_remaining,
        engine_version=decision.engine_version,
    )


@transaction.atomic
def decision_record(
    *,
    ctx: ProgramContext,
    version: ProgramVersion,
    facts: Facts,
    decision: Decision,
    subject_type: str,
    subject_id: str,
) -> EligibilityDecision:
    row = decision_row(
        ctx=ctx,
        version=version,
        facts=facts,
        decision=decision,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    row.save()
    return row


# What a decision is made of, compared key by key when it is re-explained
# (its program, version and engine version are where it was run, not what it
# decided).
COMPARED = ("eligible", "needs_review", "rate", "subsidy", "rules", "steps")
# The subject of an application's screening (applications.services._screen).
APPLICATION_SUBJECT = "vouchers.application"


@dataclass(frozen=True)
class Reexplanation:
    stored: dict
    again: Decision

    @property
    def again_json(self) -> dict:
        """The decision made again, as it would be stored."""
        return self.again.to_json()

    @property
    def differences(self) -> list[str]:
        """The keys of ``COMPARED`` on which the two disagree, in that order."""
        again = self.again_json
        return [k for k in COMPARED if self.stored.get(k) != again.get(k)]

    @property
    def matches(self) -> bool:
        return not self.differences


def decision_reexplain(record: EligibilityDecision) -> Reexplanation:
    """Run the rules again with the stored facts, the version the decision
    used, and the budget that was free then: the result must be the same."""
    version = record.program_version
    ctx = program_context(version.program, version=version)
    ctx = ProgramContext(
        **{**ctx.__dict__, "budget_remaining": record.budget_remaining}
    )
    return Reexplanation(
        stored=record.result, again=evaluate(ctx, Facts.from_json(record.facts))
    )
