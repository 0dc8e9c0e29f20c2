"""The application workflow as a state machine (Hypothesis, stateful).

Hypothesis drives a few applications of three enterprises through the real
services in random orders: new drafts, submit, approve at the current stage
by that stage's reviewer (the final approval issues the voucher), approve
confirming a reduced amount, return, resubmit, reject, withdraw, and moves
the current status forbids. A model of every application's status is kept
alongside; after every step the invariants are checked against the database:

* ``check_ledger()`` finds nothing;
* no enterprise's vouchers exceed its yearly cap;
* the budget spent (appropriated − free) is the sum of the face values;
* an application has a voucher exactly when it is approved;
* every status moved only along ``vouchers.models.APPLICATION_STATES``, and
  is what the model expects.

The budget (20,000) is far below what three enterprises may claim under
their caps (3 × 25,000) and every run starts with an application in review
per enterprise, so in many runs it runs out: the refusals (``budget_exhausted`` when approving,
creating or resubmitting, ``amount_changed`` when less is left than asked)
must leave every invariant intact.

Isolation: the test is an ordinary ``django_db`` test (one transaction,
rolled back at the end). Each example (one run of the machine) opens a
savepoint in ``__init__`` and rolls it back in ``teardown`` (which Hypothesis
calls after every example, failing or not), so every example starts from the
same database: its program, with its budget and ledger accounts, and all its
applications, vouchers and transfers are made inside the savepoint and
disappear with it. The users, enterprises and the provider, which no step
changes, are made once per test, before the examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises.models import Enterprise, Provider
from enterprises.services import classify_enterprise
from tests.factories import (
    ProviderFactory,
    make_program,
    make_role_user,
    program_params,
)
from vouchers.applications import services as svc
from vouchers.applications.selectors import (
    enterprise_year_committed,
    required_documents,
)
from vouchers.issuance.selectors import availability
from vouchers.ledger import selectors as ledger
from vouchers.ledger.checks import check_ledger
from vouchers.models import (
    APPLICATION_STATES,
    EDITABLE_STATUSES,
    Application,
    Program,
    Voucher,
)
from vouchers.programs import services
from vouchers.review import services as review

pytestmark = pytest.mark.django_db

S = Application.Status
ZERO = Decimal("0.00")
BUDGET = Decimal("20000.00")
CAP = Decimal("25000.00")
ENTERPRISES = 3
MAX_APPLICATIONS = 8
# Eligible compute amounts; the SME tier pays 50%: 10,000 / 15,000 / 25,000.
AMOUNTS = (Decimal("20000.00"), Decimal("30000.00"), Decimal("50000.00"))
FINAL_REFUSALS = {"budget_exhausted", "cap_reached", "amount_changed"}


def pdf():
    return SimpleUploadedFile(
        "x.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf"
    )


def attempt(service, **kwargs):
    """Call a service: (its result, None), or (None, the ApplicationError
    that refused it)."""
    try:
        return service(**kwargs), None
    except ApplicationError as exc:
        return None, exc


def reachable(before: str, after: str) -> bool:
    """One service call may pass through ``submitted`` (submit screens at
    once); otherwise a status changes only along one transition."""
    if after == before or after in APPLICATION_STATES.next_statuses(before):
        return True
    return S.SUBMITTED in APPLICATION_STATES.next_statuses(
        before
    ) and after in APPLICATION_STATES.next_statuses(S.SUBMITTED)


@dataclass(frozen=True)
class People:
    """Who acts: made once per test (outside the examples' savepoints), as
    nothing about them changes; what they do is tied to each example's
    program and rolled back with it."""

    provider: Provider
    reviewers: dict[str, object]  # stage level → reviewer
    applicants: list[tuple[object, Enterprise]]  # (user, enterprise)

    @classmethod
    def make(cls) -> People:
        applicants = []
        for _ in range(ENTERPRISES):
            user = make_role_user(Role.APPLICANT, region="330106", mfa=False)
            enterprise = user.memberships.get().enterprise
            enterprise.industry_code, enterprise.employees = "I65", 45
            enterprise.revenue = Decimal("12000000")
            enterprise.total_assets = Decimal("5000000")
            classify_enterprise(enterprise)  # a small enterprise (SME rate)
            enterprise.save()
            applicants.append((user, enterprise))
        return cls(
            provider=ProviderFactory(),
            reviewers={
                "county": make_role_user(Role.REVIEWER, region="330106", mfa=False),
                "city": make_role_user(Role.REVIEWER, region="330100", mfa=False),
            },
            applicants=applicants,
        )


class Workflow(RuleBasedStateMachine):
    people: People  # set by the test

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        try:
            self._program()
        except BaseException:
            self.teardown()
            raise
        self.provider = self.people.provider
        self.reviewers = self.people.reviewers
        self.applicants = self.people.applicants
        # the model: application pk → expected status, and its applicant
        self.status: dict[int, str] = {}
        self.owner: dict[int, object] = {}
        self.contracts = 0
        self._previous: dict[int, str] = {}

    def _program(self):
        """A Hangzhou compute program reviewed by the county, then the city."""
        params = program_params(
            "HZ-COMPUTE-2026",
            review_stages=["county", "city"],
            budget={"city": str(BUDGET)},
            cap_per_enterprise_year=str(CAP),
        )
        program = make_program("WF-COMPUTE-2026", region="330100", params=params)
        self.program = services.program_set_status(
            program=program, to_status=Program.Status.OPEN, actor=None
        )

    def teardown(self):
        if self._savepoint is not None:
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)
            self._savepoint = None

    # -- helpers ----------------------------------------------------------------

    def _with(self, *statuses) -> list[int]:
        return sorted(pk for pk, s in self.status.items() if s in statuses)

    def _load(self, pk: int) -> Application:
        return Application.objects.select_related(
            "program", "program_version", "enterprise"
        ).get(pk=pk)

    def _submit(self, pk: int) -> None:
        before = self.status[pk]
        app = self._load(pk)
        enterprise = app.enterprise
        committed = enterprise_year_committed(enterprise, self.program, exclude=app)
        free = ledger.budget_remaining(self.program)
        app, refused = attempt(
            svc.application_submit, application=app, user=self.owner[pk]
        )
        if refused:
            # only an exhausted budget stops a complete application
            assert refused.code == "budget_exhausted", refused.code
            assert free <= 0
            event("submit refused: budget exhausted")
            return
        if app.status == S.REJECTED:
            failed = {
                r["code"]
                for r in app.screening.result["rules"]
                if r["outcome"] == "fail"
            }
            assert failed == {"cap_budget"}, failed
            assert committed >= CAP
            event("screened out: cap reached")
        else:
            assert app.status == S.IN_REVIEW
            assert app.stage == 0
            assert ZERO < app.requested_subsidy <= min(CAP - committed, free)
            assert not app.reviews.filter(invalidated_at__isnull=True).exists()
        assert reachable(before, app.status)
        self.status[pk] = app.status

    # -- the applicant ----------------------------------------------------------

    @initialize(amounts=st.lists(st.sampled_from(AMOUNTS), min_size=3, max_size=3))
    def an_application_per_enterprise(self, amounts):
        """Each enterprise starts with an application in review (so that runs
        reach the final approvals, and the budget's end, within their steps)."""
        for who, amount in enumerate(amounts):
            pk = self._new_draft(who, amount)
            assert pk is not None
            self._submit(pk)

    @precondition(lambda self: len(self.status) < MAX_APPLICATIONS)
    @rule(who=st.integers(0, ENTERPRISES - 1), amount=st.sampled_from(AMOUNTS))
    def new_draft(self, who, amount):
        self._new_draft(who, amount)

    def _new_draft(self, who: int, amount: Decimal) -> int | None:
        user, enterprise = self.applicants[who]
        app, refused = attempt(
            svc.application_create,
            enterprise=enterprise,
            program=self.program,
            user=user,
        )
        if refused:
            assert refused.code == "budget_exhausted", refused.code
            assert ledger.budget_remaining(self.program) <= 0
            event("new draft refused: budget exhausted")
            return None
        self.contracts += 1
        svc.application_save_contract(
            application=app,
            user=user,
            provider=self.provider,
            offering=None,
            contract_number=f"HT-WF-{self.contracts:03d}",
            signed_on=date(2026, 3, 1),
            term_months=12,
            year_contract_total=None,
            lines=[
                svc.LineInput("compute", "GPU 卡时", amount),
                svc.LineInput("storage", "存储", Decimal("1000.00")),  # excluded
            ],
        )
        for kind in required_documents(app):
            svc.application_attach(application=app, user=user, kind=kind, upload=pdf())
        self.status[app.pk] = S.DRAFT
        self.owner[app.pk] = user
        return app.pk

    @precondition(lambda self: self._with(S.DRAFT))
    @rule(data=st.data())
    def submit(self, data):
        self._submit(data.draw(st.sampled_from(self._with(S.DRAFT)), label="draft"))

    @precondition(lambda self: self._with(S.RETURNED))
    @rule(data=st.data())
    def resubmit(self, data):
        pk = data.draw(st.sampled_from(self._with(S.RETURNED)), label="returned")
        revision = self._load(pk).revision
        self._submit(pk)
        if self.status[pk] == S.IN_REVIEW:
            assert self._load(pk).revision == revision + 1
            event("resubmitted")

    @precondition(lambda self: self._with(S.IN_REVIEW, S.RETURNED))
    @rule(data=st.data())
    def withdraw(self, data):
        pk = data.draw(st.sampled_from(self._with(S.IN_REVIEW, S.RETURNED)))
        app = svc.application_withdraw(application=self._load(pk), user=self.owner[pk])
        assert app.status == S.WITHDRAWN
        self.status[pk] = S.WITHDRAWN

    # -- the reviewers ----------------------------------------------------------

    def _decide(self, pk: int, decision: str, **kwargs) -> Application:
        app = self._load(pk)
        service = {
            "approve": review.application_approve,
            "return": review.application_return,
            "reject": review.application_reject,
        }[decision]
        return service(
            application=app, reviewer=self.reviewers[app.stage_level], **kwargs
        )

    @precondition(lambda self: self._with(S.IN_REVIEW))
    @rule(data=st.data())
    def approve(self, data):
        """The current stage's reviewer approves: the county passes it on to
        the city; the city's approval issues the voucher, or is refused."""
        pk = data.draw(st.sampled_from(self._with(S.IN_REVIEW)), label="in review")
        app = self._load(pk)
        if not app.final_stage:
            app = self._decide(pk, "approve")
            assert app.status == S.IN_REVIEW
            assert (app.stage, app.stage_level, app.final_stage) == (1, "city", True)
            return
        # what could be issued now, as the approver is shown it; some
        # approvers confirm it (needed when it is less than requested). Drawn
        # here, not as a rule argument: Hypothesis tries rules with fewer
        # arguments first, and approving should come up often.
        shown = availability(app)
        confirm_reduced = data.draw(st.booleans(), label="confirm shown amount")
        expected = shown.amount if confirm_reduced else None
        app, refused = attempt(
            self._decide, pk=pk, decision="approve", expected_amount=expected
        )
        if refused:
            assert refused.code in FINAL_REFUSALS, refused.code
            if shown.budget_remaining <= 0:
                assert refused.code == "budget_exhausted"
            elif shown.cap_remaining <= 0:
                assert refused.code == "cap_reached"
            else:
                assert refused.code == "amount_changed"
                assert shown.reduced
                assert not confirm_reduced
            assert self._load(pk).status == S.IN_REVIEW
            assert not Voucher.objects.filter(application_id=pk).exists()
            event(f"final approval refused: {refused.code}")
            return
        assert app.status == S.APPROVED
        voucher = Voucher.objects.get(application_id=pk)
        if shown.reduced:
            # never less than requested without the approver confirming it
            assert confirm_reduced
            assert voucher.face_value == shown.amount
            event("approved a confirmed reduced amount")
        else:
            assert voucher.face_value == app.requested_subsidy
            event("approved")
        assert ledger.voucher_balance(voucher) == voucher.face_value
        self.status[pk] = S.APPROVED

    @precondition(lambda self: self._with(S.IN_REVIEW))
    @rule(data=st.data())
    def return_for_correction(self, data):
        pk = data.draw(st.sampled_from(self._with(S.IN_REVIEW)), label="in review")
        app = self._decide(pk, "return", note="合同附件缺页")
        assert app.status == S.RETURNED
        self.status[pk] = S.RETURNED

    @precondition(lambda self: self._with(S.IN_REVIEW))
    @rule(data=st.data())
    def reject(self, data):
        pk = data.draw(st.sampled_from(self._with(S.IN_REVIEW)), label="in review")
        app = self._decide(pk, "reject", reasons=["other"], note="测试")
        assert app.status == S.REJECTED
        self.status[pk] = S.REJECTED

    # -- what the status (or the reviewer's stage) forbids ------------------------

    # action → the statuses it is allowed from
    ALLOWED = {
        "submit": EDITABLE_STATUSES,
        "withdraw": {S.SUBMITTED, S.IN_REVIEW, S.RETURNED},
        "decide": {S.IN_REVIEW},
    }

    def _forbidden(self) -> dict[str, list[int]]:
        moves = {
            action: [pk for pk, s in sorted(self.status.items()) if s not in allowed]
            for action, allowed in self.ALLOWED.items()
        }
        moves["other stage's reviewer"] = self._with(S.IN_REVIEW)
        return {action: pks for action, pks in moves.items() if pks}

    @precondition(lambda self: self._forbidden())
    @rule(data=st.data(), pick=st.integers(0, 3))
    def forbidden_move_is_refused(self, data, pick):
        forbidden = self._forbidden()
        action = sorted(forbidden)[pick % len(forbidden)]
        pk = data.draw(st.sampled_from(forbidden[action]), label="application")
        app = self._load(pk)
        other = "city" if app.stage_level == "county" else "county"
        move = {
            "submit": lambda: svc.application_submit(
                application=app, user=self.owner[pk]
            ),
            "withdraw": lambda: svc.application_withdraw(
                application=app, user=self.owner[pk]
            ),
            "decide": lambda: review.application_approve(
                application=app, reviewer=self.reviewers["city"]
            ),
            "other stage's reviewer": lambda: review.application_approve(
                application=app, reviewer=self.reviewers[other]
            ),
        }[action]
        with pytest.raises(ApplicationError) as exc:
            move()
        expected = "scope" if action == "other stage's reviewer" else "transition"
        assert exc.value.code == expected, (action, exc.value.code)

    # -- invariants, after every step ------------------------------------------------

    @invariant()
    def ledger_holds(self):
        assert check_ledger() == []

    @invariant()
    def books_and_statuses_agree(self):
        rows = list(
            Application.objects.filter(program=self.program).values_list(
                "pk", "status", "enterprise_id", "voucher__face_value"
            )
        )
        # every status is the model's, reached along the transitions
        actual = {pk: status for pk, status, _e, _v in rows}
        assert actual == self.status
        for pk, status in actual.items():
            previous = self._previous.get(pk, S.DRAFT)
            assert reachable(previous, status), (pk, previous, status)
        self._previous = actual
        # a voucher exactly when approved (one at most: a one-to-one)
        for pk, status, _e, face_value in rows:
            assert (status == S.APPROVED) == (face_value is not None), (pk, status)
        issued = Voucher.objects.filter(program=self.program).aggregate(
            n=Count("id"), total=Coalesce(Sum("face_value"), ZERO)
        )
        assert issued["n"] == sum(1 for r in rows if r[3] is not None)
        # no enterprise above its cap
        per_enterprise: dict[int, Decimal] = {}
        for _pk, _s, enterprise, face_value in rows:
            per_enterprise[enterprise] = per_enterprise.get(enterprise, ZERO) + (
                face_value or ZERO
            )
        assert all(total <= CAP for total in per_enterprise.values()), per_enterprise
        # the budget spent is what the vouchers were issued for
        free = ledger.budget_remaining(self.program)
        assert free >= 0
        assert BUDGET - free == issued["total"] == sum(per_enterprise.values(), ZERO)
        if free == 0:
            event("budget used up")


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_the_workflow_keeps_its_invariants(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Workflow.people = People.make()
    try:
        run_state_machine_as_test(Workflow, settings=SETTINGS)
    finally:
        del Workflow.people
