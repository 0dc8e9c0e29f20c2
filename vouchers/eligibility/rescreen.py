"""Re-screening: run a program's rules again over every registered enterprise
(after a rule change, say), in batches.

There are no applications yet, so this answers "which registered enterprises
would pass this program's enterprise-level rules now": the facts carry no
contract, provider or history, so the contract, provider, related-party,
one-contract-one-claim and cap/budget rules answer "not applicable".

Queries: a constant number per run (the program's version and region), then
per batch of enterprises one query for the enterprises (keyset pagination on
the primary key, never OFFSET), three for their facts (see
``gather.enterprise_facts_bulk``) and, when recording, one bulk insert, so a
batch of 500 costs the same number of queries as a batch of 5.

Memory: one batch at a time. A batch's enterprises, facts, decisions and
rows to insert are all let go before the next batch is read, so a run over
100,000 enterprises peaks where a run over 10,000 does; what grows with the
register is the summary's ``eligible_ids`` (about 36 bytes per eligible
enterprise).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet, Value
from django.utils import timezone

from audits import actions
from audits.services import audit_event_record
from enterprises.models import Enterprise

from ..models import EligibilityDecision, Program
from ..programs.selectors import program_context, program_version_at
from .engine import evaluate
from .facts import Facts
from .gather import enterprise_facts_bulk
from .records import decision_row
from .registry import FAIL, REVIEW

SUBJECT_TYPE = "enterprises.enterprise"
DEFAULT_BATCH_SIZE = 500

# Django 5.2 bulk-inserts on PostgreSQL as INSERT ... SELECT FROM UNNEST(one
# array per column). With psycopg's client-side binding (Django's default)
# every JSON document is then escaped as an array element by a regular
# expression in Python, character by character: that made a recorded
# re-screening of 10,000 enterprises take 9.4 s instead of 5.7 s
# (bench/rescreen.py). A column given as an expression makes Django use the
# multi-row INSERT ... VALUES instead, still one query per batch.
_SUBJECT_TYPE_VALUE = Value(SUBJECT_TYPE)

# The enterprise columns the facts are built from (gather._facts): loading
# only these keeps each row small. A column missing here would cost one query
# per enterprise, which the tests would catch.
FACT_FIELDS = (
    "uscc",
    "region",
    "industry_code",
    "size_class",
    "employees",
    "revenue",
    "total_assets",
    "established_on",
    "size_basis",
    "legal_representative",
    "contact_phone",
    "registered_address",
)


@dataclass
class RescreenSummary:
    """What a re-screening found.

    ``eligible``: no rule failed; ``needs_review``: of those, the ones where a
    rule asks for a reviewer (an unknown size class, say); ``ineligible``: at
    least one rule failed. ``failed_by_rule`` and ``review_by_rule`` count
    enterprises per rule code over all of them (an enterprise failing two
    rules counts under both). ``eligible_ids`` lists the eligible enterprises'
    primary keys in order.
    """

    program: str
    version: int
    decided_on: date
    batch_size: int
    total: int = 0
    eligible: int = 0
    needs_review: int = 0
    ineligible: int = 0
    failed_by_rule: Counter = field(default_factory=Counter)
    review_by_rule: Counter = field(default_factory=Counter)
    eligible_ids: list[int] = field(default_factory=list)
    recorded: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        """The summary as printable lines (English; an operator's tool)."""
        out = [
            f"{self.program} v{self.version}, decided on {self.decided_on}",
            f"enterprises: {self.total} in {self.batches} batches of at most "
            f"{self.batch_size}",
            f"eligible: {self.eligible} (of which {self.needs_review} need review), "
            f"ineligible: {self.ineligible}",
        ]
        for code, count in sorted(self.failed_by_rule.items()):
            out.append(f"  failed {code}: {count}")
        for code, count in sorted(self.review_by_rule.items()):
            out.append(f"  review {code}: {count}")
        if self.recorded:
            out.append(f"decisions recorded: {self.recorded}")
        out.append(f"{self.seconds:.2f} s, {self.per_second:.0f} enterprises/s")
        return out


def enterprise_batches(queryset: QuerySet[Enterprise], batch_size: int):
    """Lists of at most ``batch_size`` enterprises in primary-key order, each
    read with one query ``pk > last seen`` (keyset pagination)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    queryset = queryset.only(*FACT_FIELDS).order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        batch = list(page[:batch_size])
        if not batch:
            return
        full = len(batch) == batch_size
        last = batch[-1].pk
        yield batch
        # Not bound here while the next batch is read.
        del batch
        if not full:
            return


def rescreen_enterprises(
    *,
    program: Program,
    enterprises: QuerySet[Enterprise] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    when: datetime | None = None,
    record: bool = False,
) -> RescreenSummary:
    """Evaluate the program's rules, in the version in force at ``when``
    (default now), for each enterprise of ``enterprises`` (default all).

    With ``record``, each decision is stored as an EligibilityDecision (subject
    ``enterprises.enterprise`` and the enterprise's pk) with its facts and
    result, so it can be re-explained; one bulk insert per batch. A recorded
    run is one transaction with one audit event (its counts).
    """
    if record:
        with transaction.atomic():
            summary = _rescreen(program, enterprises, batch_size, when, record)
            audit_event_record(
                action=actions.ELIGIBILITY_RESCREENED,
                target=program,
                after={
                    "version": summary.version,
                    "decided_on": str(summary.decided_on),
                    "screened": summary.total,
                    "eligible": summary.eligible,
                    "needs_review": summary.needs_review,
                    "recorded": summary.recorded,
                },
            )
        return summary
    return _rescreen(program, enterprises, batch_size, when, record)


def _rescreen(program, enterprises, batch_size, when, record) -> RescreenSummary:
    started = time.perf_counter()
    when = when or timezone.now()
    version = program_version_at(program, when)
    ctx = program_context(program, version=version)
    decided_on = timezone.localdate(when)
    summary = RescreenSummary(
        program=ctx.code,
        version=ctx.version,
        decided_on=decided_on,
        batch_size=batch_size,
    )
    if enterprises is None:
        enterprises = Enterprise.objects.all()
    logged = _debug_query_log_length()
    for batch in enterprise_batches(enterprises, batch_size):
        _screen_batch(summary, ctx, version, batch, record)
        # Nothing of this batch stays bound while the next one is read.
        del batch
        _debug_query_log_trim(logged)
    summary.seconds = time.perf_counter() - started
    return summary


def _screen_batch(summary, ctx, version, batch, record) -> None:
    """Decide (and record) one batch; its facts, decisions and rows are this
    function's own and go when it returns."""
    facts_by_pk = enterprise_facts_bulk(batch)
    rows = []
    for enterprise in batch:
        facts = Facts(
            enterprise=facts_by_pk[enterprise.pk], decided_on=summary.decided_on
        )
        decision = evaluate(ctx, facts)
        _count(summary, enterprise.pk, decision)
        if record:
            rows.append(
                decision_row(
                    ctx=ctx,
                    version=version,
                    facts=facts,
                    decision=decision,
                    subject_type=_SUBJECT_TYPE_VALUE,
                    subject_id=enterprise.pk,
                )
            )
    if rows:
        EligibilityDecision.objects.bulk_create(rows)
        summary.recorded += len(rows)
    summary.batches += 1


# With DEBUG on (manage.py's default settings are config.settings.local)
# Django keeps the SQL of every query in connection.queries_log, up to 9,000
# of them, and empties it only when a request starts. A recorded batch's
# insert carries every decision's facts and result, about 2.6 MB of SQL for
# 500 enterprises, so a run kept that for every batch (about 520 MB for
# 100,000 enterprises). Once a batch is done its queries leave that log.
# A log somebody asked for (CaptureQueriesContext, assertNumQueries: they set
# force_debug_cursor and read the log afterwards) is left whole.
def _debug_query_log_length() -> int | None:
    if settings.DEBUG and not connection.force_debug_cursor:
        return len(connection.queries_log)
    return None


def _debug_query_log_trim(length: int | None) -> None:
    if length is None:
        return
    log = connection.queries_log
    while len(log) > length:
        log.pop()


def _count(summary: RescreenSummary, pk: int, decision) -> None:
    summary.total += 1
    failed = False
    review = False
    for r in decision.rules:
        if r.outcome == FAIL:
            summary.failed_by_rule[r.code] += 1
            failed = True
        elif r.outcome == REVIEW:
            summary.review_by_rule[r.code] += 1
            review = True
    if failed:
        summary.ineligible += 1
    else:
        summary.eligible += 1
        summary.eligible_ids.append(pk)
        summary.needs_review += review


__all__ = [
    "SUBJECT_TYPE",
    "RescreenSummary",
    "enterprise_batches",
    "rescreen_enterprises",
]
