"""Re-screening registered enterprises against a program's rules, in batches:
the same results as deciding one by one, a number of queries per batch that
does not grow with the batch, and recorded decisions that re-explain."""

import gc
import weakref
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import (
    DishonestEntity,
    Enterprise,
    InvestmentDeclaration,
    Shareholder,
)
from enterprises.uscc import make_uscc
from tests.factories import UserFactory, version_changed
from vouchers.demo.programs import load_demo_programs
from vouchers.eligibility.engine import Decision, evaluate
from vouchers.eligibility.facts import EnterpriseFacts, Facts
from vouchers.eligibility.gather import enterprise_facts
from vouchers.eligibility.records import decision_reexplain
from vouchers.eligibility.registry import FAIL, NOT_APPLICABLE, REVIEW
from vouchers.eligibility.rescreen import SUBJECT_TYPE, rescreen_enterprises
from vouchers.models import EligibilityDecision, Program
from vouchers.programs.selectors import program_context

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 26)
CODES = ("HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026")
# Rules that need a contract, a provider or existing applications.
NOT_ENTERPRISE_LEVEL = (
    "contract",
    "provider",
    "related_party",
    "one_contract_one_claim",
    "cap_budget",
)
D = Decimal


@pytest.fixture
def programs():
    load_demo_programs(actor=None)
    return {p.code: p for p in Program.objects.select_related("region")}


@pytest.fixture
def declarer():
    return UserFactory(email="declarer@example.com")


def _enterprise(n, *, division="330106", prefix="91", size="small", **extra):
    return Enterprise.objects.create(
        uscc=make_uscc(division, f"RT{n:06d}", prefix),
        name=f"重筛测试有限公司{n}",
        region_id=division,
        industry_code=extra.pop("industry_code", "I65"),
        size_class=size,
        employees=extra.pop("employees", 40),
        revenue=extra.pop("revenue", D("8000000.00")),
        total_assets=extra.pop("total_assets", D("6000000.00")),
        established_on=date(2015, 3, 1),
        legal_representative=f"法人{n}",
        contact_phone=f"0571-8800{n:04d}",
        registered_address=f"文三路{n}号",
        size_basis={"inputs": {"employees": "40"}, "steps": []},
        **extra,
    )


def _declare(enterprise, user, amounts, *, superseded=False):
    """amounts: {year: (it, ai)} in yuan."""
    InvestmentDeclaration.objects.bulk_create(
        InvestmentDeclaration(
            enterprise=enterprise,
            year=year,
            version=2 if superseded else 1,
            it_amount=D(it),
            ai_amount=D(ai),
            declared_by=user,
            superseded_at=timezone.now() if superseded else None,
        )
        for year, (it, ai) in amounts.items()
    )


# 2018–2023: IT more than 10,000,000 and AI more than 5,000,000 yuan.
ABOVE = dict.fromkeys(range(2018, 2024), ("1700000.00", "900000.00"))
ONE_CENT_ABOVE = {
    **dict.fromkeys(range(2018, 2023), ("2000000.00", "1000000.00")),
    2023: ("0.01", "0.01"),
}
ONE_CENT_BELOW = {
    **dict.fromkeys(range(2018, 2022), ("2000000.00", "1100000.00")),
    2022: ("1999999.99", "1000000.00"),
    2023: ("0.00", "0.00"),
}


@pytest.fixture
def register(declarer):
    """Enterprises that pass, fail each enterprise-level rule, or need review."""
    divisions = ("330106", "330108", "330203", "330302", "331002")
    sizes = ("small", "medium", "micro", "large", "")
    made = []
    for n in range(1, 41):
        e = _enterprise(
            n,
            division=divisions[n % len(divisions)],
            prefix="92" if n % 13 == 0 else "91",
            size=sizes[n % len(sizes)] if n % 3 else "small",
        )
        if n % 4 == 0:
            _declare(e, declarer, ABOVE)
        elif n % 4 == 1:
            _declare(e, declarer, ONE_CENT_BELOW)
            # An older, higher version must not count.
            _declare(e, declarer, {2019: ("9000000.00", "9000000.00")}, superseded=True)
        if n % 5 == 0:
            Shareholder.objects.create(
                enterprise=e, name=f"股东{n}", id_number_hash="ab" * 32
            )
        if n % 11 == 0:  # listed within the last three years
            DishonestEntity.objects.create(
                uscc=e.uscc, name=e.name, listed_on=date(2025, 2, 1)
            )
        if n % 17 == 0:  # listed long ago and removed before the window
            DishonestEntity.objects.create(
                uscc=e.uscc,
                name=e.name,
                listed_on=date(2020, 1, 1),
                removed_on=date(2021, 1, 1),
            )
        made.append(e)
    # Size unknown, nothing else wrong: eligible once a reviewer checks it.
    made.append(_enterprise(41, size=""))
    return made


def _one_by_one(program, enterprise):
    ctx = program_context(program, when=WHEN)
    facts = Facts(enterprise=enterprise_facts(enterprise), decided_on=TODAY)
    return facts, evaluate(ctx, facts)


@pytest.mark.parametrize("code", CODES)
def test_results_equal_deciding_one_by_one(programs, register, code):
    program = programs[code]
    summary = rescreen_enterprises(
        program=program, batch_size=7, when=WHEN, record=True
    )

    stored = {
        int(d.subject_id): d
        for d in EligibilityDecision.objects.filter(subject_type=SUBJECT_TYPE)
    }
    assert len(stored) == summary.total == summary.recorded == len(register)
    expected_eligible, failed, reviews, review = [], Counter(), Counter(), 0
    for enterprise in register:
        facts, decision = _one_by_one(program, enterprise)
        record = stored[enterprise.pk]
        assert record.result == decision.to_json()
        assert record.facts == facts.to_json()
        assert record.eligible is decision.eligible
        assert record.needs_review is decision.needs_review
        assert record.program_version.number == 1
        outcomes = {r.code: r.outcome for r in decision.rules}
        for rule in NOT_ENTERPRISE_LEVEL:
            assert outcomes[rule] == NOT_APPLICABLE
        if decision.eligible:
            expected_eligible.append(enterprise.pk)
        failed.update(r.code for r in decision.rules if r.outcome == FAIL)
        reviews.update(r.code for r in decision.rules if r.outcome == REVIEW)
        review += decision.eligible and decision.needs_review

    assert summary.eligible_ids == sorted(expected_eligible)
    assert summary.eligible == len(expected_eligible)
    assert summary.ineligible == len(register) - len(expected_eligible)
    assert summary.failed_by_rule == failed
    assert summary.review_by_rule == reviews
    assert summary.needs_review == review
    assert summary.batches == 6  # 41 in batches of 7
    # The register exercises every outcome.
    assert summary.eligible > 0
    assert summary.ineligible > 0
    assert summary.needs_review > 0
    assert {"enterprise_type", "credit"} <= set(failed)
    # The benchmark program admits every size but asks for investment; only
    # Hangzhou's program excludes the rest of Zhejiang.
    assert (
        "benchmark_investment" if code == "ZJ-BENCHMARK-2026" else "size_class"
    ) in failed
    assert ("region" in failed) is (code == "HZ-COMPUTE-2026")


def _captured(**kwargs):
    with CaptureQueriesContext(connection) as queries:
        rescreen_enterprises(when=WHEN, **kwargs)
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("record", [False, True])
def test_queries_per_batch_do_not_grow_with_the_batch(programs, declarer, record):
    program = programs["ZJ-BENCHMARK-2026"]
    for n in range(100):
        e = _enterprise(n, division=("330106", "330203")[n % 2])
        _declare(e, declarer, ABOVE if n % 2 else ONE_CENT_BELOW)
        Shareholder.objects.create(enterprise=e, name=f"股东{n}")
        if n % 10 == 0:
            DishonestEntity.objects.create(
                uscc=e.uscc, name=e.name, listed_on=date(2025, 1, 1)
            )
    ids = sorted(Enterprise.objects.values_list("pk", flat=True))
    per_batch = 5 if record else 4  # enterprises, 3 for facts, (insert)

    # One batch of 10 costs what one batch of 100 does.
    ten = _captured(
        program=program,
        enterprises=Enterprise.objects.filter(pk__in=ids[:10]),
        batch_size=200,
        record=record,
    )
    hundred = _captured(program=program, batch_size=200, record=record)
    assert len(ten) == len(hundred)

    # Batches of 50: two batches for 100, one for 50, and a last empty read
    # of the enterprises to know the end was reached.
    fifty = _captured(
        program=program,
        enterprises=Enterprise.objects.filter(pk__in=ids[:50]),
        batch_size=50,
        record=record,
    )
    two_batches = _captured(program=program, batch_size=50, record=record)
    assert len(two_batches) - len(fifty) == per_batch
    constant = len(fifty) - per_batch - 1
    # The program's version, its region and its budget in the ledger; a
    # recorded run adds its savepoint, its release and its one audit event.
    assert constant <= (6 if record else 3)
    assert len(ten) == constant + per_batch

    selects = [q for q in two_batches if 'FROM "enterprises_enterprise"' in q]
    assert len(selects) == 3
    assert all("OFFSET" not in q for q in two_batches)
    assert '"enterprises_enterprise"."id" >' in selects[1]
    inserts = [
        q
        for q in two_batches
        if q.startswith('INSERT INTO "vouchers_eligibilitydecision"')
    ]
    assert len(inserts) == (2 if record else 0)
    # Multi-row VALUES, not UNNEST (see rescreen._SUBJECT_TYPE_VALUE).
    assert all("UNNEST" not in q for q in inserts)
    if record:
        assert EligibilityDecision.objects.count() == 10 + 100 + 50 + 100


def test_recorded_decisions_re_explain(programs, register):
    for code in CODES:
        rescreen_enterprises(
            program=programs[code], batch_size=16, when=WHEN, record=True
        )
    records = list(EligibilityDecision.objects.select_related("program_version"))
    assert len(records) == 3 * len(register)
    for record in records:
        assert record.budget_remaining == record.program_version.parsed().total_budget
        assert decision_reexplain(record).matches, record.subject_id


def test_benchmark_threshold(programs, declarer):
    above = _enterprise(1, size="medium")
    _declare(above, declarer, ONE_CENT_ABOVE)
    below = _enterprise(2, size="medium")
    _declare(below, declarer, ONE_CENT_BELOW)
    clearly = _enterprise(3, division="330203", size="large")
    _declare(clearly, declarer, ABOVE)
    nothing = _enterprise(4, size="micro")

    summary = rescreen_enterprises(program=programs["ZJ-BENCHMARK-2026"], when=WHEN)
    assert summary.eligible_ids == [above.pk, clearly.pk]
    assert summary.failed_by_rule == {"benchmark_investment": 2}
    assert (summary.total, summary.eligible, summary.ineligible) == (4, 2, 2)

    # Hangzhou's program has no benchmark rule, but excludes large enterprises
    # and those registered outside Hangzhou.
    summary = rescreen_enterprises(program=programs["HZ-COMPUTE-2026"], when=WHEN)
    assert summary.eligible_ids == [above.pk, below.pk, nothing.pk]
    assert summary.failed_by_rule == {"region": 1, "size_class": 1}


def test_a_new_version_is_used_from_when_it_takes_effect(programs, declarer):
    program = programs["ZJ-BENCHMARK-2026"]
    below = _enterprise(1)
    _declare(below, declarer, ONE_CENT_BELOW)
    params = program.versions.get(number=1).params
    rules = {
        **params["rules"],
        "benchmark_investment": {
            **params["rules"]["benchmark_investment"],
            "it_min": "9999999.98",
        },
    }
    effective = timezone.now() + timedelta(hours=1)
    version_changed(
        program=program,
        params={**params, "rules": rules},
        actor=None,
        note="lower IT threshold",
        effective_from=effective,
    )

    before = rescreen_enterprises(
        program=program, when=effective - timedelta(seconds=1)
    )
    after = rescreen_enterprises(program=program, when=effective, record=True)
    assert (before.version, before.eligible_ids) == (1, [])
    assert (after.version, after.eligible_ids) == (2, [below.pk])
    record = EligibilityDecision.objects.get()
    assert record.program_version.number == 2
    assert decision_reexplain(record).matches


def test_only_the_enterprises_given(programs, register):
    hangzhou = Enterprise.objects.filter(region__code__startswith="3301")
    summary = rescreen_enterprises(
        program=programs["HZ-COMPUTE-2026"], enterprises=hangzhou, when=WHEN
    )
    assert summary.total == hangzhou.count() > 0
    assert "region" not in summary.failed_by_rule


def test_empty_register_and_bad_batch_size(programs):
    summary = rescreen_enterprises(program=programs["ZJ-MODEL-2026"], when=WHEN)
    assert (summary.total, summary.batches, summary.eligible_ids) == (0, 0, [])
    with pytest.raises(ValueError, match="batch_size"):
        rescreen_enterprises(program=programs["ZJ-MODEL-2026"], batch_size=0)


def test_command(programs, register):
    out = StringIO()
    call_command(
        "rescreen",
        "zj-benchmark-2026",
        "--record",
        "--batch-size",
        "9",
        "--when",
        "2026-11-26",
        stdout=out,
    )
    text = out.getvalue()
    assert "ZJ-BENCHMARK-2026 v1, decided on 2026-11-26" in text
    assert f"enterprises: {len(register)} in 5 batches of at most 9" in text
    assert "failed benchmark_investment:" in text
    assert f"decisions recorded: {len(register)}" in text
    assert "enterprises/s" in text
    assert EligibilityDecision.objects.count() == len(register)

    with pytest.raises(CommandError, match="No program"):
        call_command("rescreen", "NO-SUCH-PROGRAM", stdout=StringIO())
    with pytest.raises(CommandError, match="batch-size"):
        call_command(
            "rescreen", "ZJ-MODEL-2026", "--batch-size", "0", stdout=StringIO()
        )


def test_a_recorded_run_writes_one_audit_event_with_its_counts(demo_programs):
    # given
    from audits import actions
    from audits.models import AuditEvent
    from tests.factories import EnterpriseFactory
    from vouchers.eligibility.rescreen import rescreen_enterprises

    EnterpriseFactory.create_batch(3)
    program = demo_programs["ZJ-MODEL-2026"]

    # when
    summary = rescreen_enterprises(program=program, record=True)
    rescreen_enterprises(program=program, record=False)

    # then: the unrecorded run changed nothing and wrote nothing
    [event] = AuditEvent.objects.filter(action=actions.ELIGIBILITY_RESCREENED)
    assert event.object_id == str(program.pk)
    assert event.after["recorded"] == summary.recorded == summary.total


# What re-screening makes for each enterprise; none of it may outlive its batch.
PER_ENTERPRISE = (EnterpriseFacts, Facts, Decision, EligibilityDecision)


def _alive_from_batches():
    """Live objects made per enterprise by a re-screening: facts, decisions,
    rows to insert, and the enterprises read by ``enterprise_batches`` (only
    those have deferred fields; the fixtures' own enterprises have none)."""
    gc.collect()
    alive = Counter()
    for o in gc.get_objects():
        if isinstance(o, weakref.ProxyTypes):
            continue  # a dead proxy raises on isinstance; none is ours
        if isinstance(o, PER_ENTERPRISE):
            alive[type(o).__name__] += 1
        elif isinstance(o, Enterprise) and o.get_deferred_fields():
            alive["Enterprise"] += 1
    return alive


@pytest.mark.parametrize("record", [False, True])
def test_one_batch_at_a_time(programs, register, record):
    """When the next batch of enterprises is read, nothing of the previous
    batch is alive any more: memory does not grow with the register."""
    seen = []

    def check(execute, sql, params, many, context):
        if sql.startswith("SELECT") and 'FROM "enterprises_enterprise"' in sql:
            seen.append(_alive_from_batches())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        summary = rescreen_enterprises(
            program=programs["ZJ-MODEL-2026"], batch_size=7, when=WHEN, record=record
        )
    assert summary.batches == len(seen) == 6  # 41 in batches of 7, the last short
    assert seen == [Counter()] * 6


def test_debug_query_log_keeps_one_batch(programs, register, settings):
    """With DEBUG (manage.py's default settings) Django logs every query's SQL;
    a recorded batch's insert carries all its facts and results (about 5 kB
    per enterprise), so a run must not keep one in the log per batch. Queries
    logged before the run, and captured ones (CaptureQueriesContext, above),
    are left alone."""
    settings.DEBUG = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 AS before_the_run")
    summary = rescreen_enterprises(
        program=programs["ZJ-MODEL-2026"], batch_size=7, when=WHEN, record=True
    )
    logged = [q["sql"] for q in connection.queries_log]
    inserts = [
        q for q in logged if q.startswith('INSERT INTO "vouchers_eligibilitydecision"')
    ]
    assert (summary.batches, summary.recorded) == (6, len(register))
    assert len(inserts) <= 1
    assert "SELECT 1 AS before_the_run" in logged
