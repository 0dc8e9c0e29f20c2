"""The charge lifecycle as a state machine (Hypothesis, stateful).

Hypothesis drives charges on two small vouchers (100.00 and 50.00 yuan, of
one enterprise, in the Hangzhou compute program) by two providers through
the real services in random orders: charges (amounts that fit, that
overdraw and that round to nothing; invoice numbers from a pool of three,
so duplicates happen; sometimes another enterprise's credit code or the
other provider's offering), confirmations by the enterprise or a stranger,
disputes with or without a reason, voids by the right or the wrong
provider, decisions of a dispute by reviewers in and out of the region,
the confirmation window passing (``redemptions_confirm_due`` with a
clock moved on), a voucher's validity ending (``vouchers_expire_due``) and
its revocation by a program manager (or an attempt by an applicant). Alongside, a model expects every charge's status, every
voucher's remaining and held amounts and every provider's payable, and,
for every call, the refusal's code (the services check in a fixed order,
which the model follows) or its success.

After every call: a refusal changed nothing (the number of charges,
transfers, accounts and audit events, every balance and every charge's
status are as before); a success wrote exactly one audit event of its
action, on its charge (``redemptions_confirm_due``: one per charge it
confirmed). After every step, the invariants:

* the database is the model (statuses, balances, payables);
* for every voucher, face value = remaining + held + confirmed + released,
  none below zero; held = its pending and disputed charges; each provider's payable =
  its confirmed charges;
* ``check_ledger()`` finds nothing;
* no invoice (issuer, number) backs two charges that are not voided.

Isolation: one ordinary ``django_db`` test (one transaction, rolled back at
the end). Each example (one run of the machine) opens a savepoint in
``__init__`` and rolls it back in ``teardown``, so every example starts
from the same database; the world (vouchers, providers, people), which
takes a few seconds to make through the application workflow, is made
once per test before the examples and each example's savepoint takes it
back to exactly that state (expiry changes a voucher's date in the
database only, never the world's objects). Every service is
``@transaction.atomic`` and so a savepoint inside the example's: a refused
call (a duplicate invoice even fails an INSERT on the unique index) rolls
back only itself, which the next call's queries show.

Found by it: the enterprise could confirm a charge it had disputed
(``redemption_confirm`` checked only the state map, which lets a disputed
charge become confirmed for the reviewer's decision); fixed, and kept as
``test_the_enterprise_cannot_confirm_a_charge_it_disputed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
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
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from config.money import ZERO, quantize
from enterprises.models import Offering, Provider
from tests.factories import ApplicationFactory, make_role_user, membership
from tests.factories.accounts import UserFactory
from tests.factories.redemption import OfferingFactory, charge_setup
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.lifecycle import services as life
from vouchers.models import LedgerAccount, LedgerTransfer, Redemption, Voucher
from vouchers.models.ledger import EXTERNAL_KINDS
from vouchers.programs.selectors import program_version_at
from vouchers.redemption import services as svc
from vouchers.redemption.services import INVOICE_MAX, REASON_MAX, Charge

pytestmark = pytest.mark.django_db(transaction=False)

S = Redemption.Status
K = LedgerAccount.Kind
HELD = (S.PENDING, S.DISPUTED)
# Subsidies of 50%: contracts of 200.00 and 100.00 give vouchers of 100.00
# and 50.00, so a few charges overdraw them.
CONTRACTS = ("200.00", "100.00")
FACES = (Decimal("100.00"), Decimal("50.00"))
LIST_PRICE = Decimal("12.5000")
INVOICES = ("FP-001", "FP-002", " FP-003 ")  # stripped by the service
BAD_INVOICES = ("", "   ", "F" * (INVOICE_MAX + 1))
REASONS = ("不认这笔", "x", "", "   ", "x" * (REASON_MAX + 1))


def mostly(usual, unusual, odds: int = 9):
    """``usual`` about ``odds`` times in ``odds + 1``, else ``unusual``."""
    return st.integers(0, odds).flatmap(lambda n: usual if n else unusual)


def decimals(*values: str):
    return st.sampled_from([Decimal(v) for v in values])


# Quantities and unit prices: amounts that fit exactly (8 × 12.50 = 100.00,
# 4 × 12.50 = 50.00) or half a fen up (0.0005 × 10), and that overdraw;
# unusually, zero and below, a product that rounds to nothing (0.0001 ×
# 0.01 with the least price), a price above the list price.
QUANTITIES = mostly(
    st.one_of(
        decimals("1", "4", "8", "3.333", "0.0005"),
        st.decimals(min_value=Decimal("0.0001"), max_value=10, places=4),
    ),
    decimals("0", "-1", "0.0001"),
)
PRICES = mostly(
    st.one_of(
        decimals("12.5", "10", "1", "0.01"),
        st.decimals(min_value=Decimal("0.01"), max_value=LIST_PRICE, places=4),
    ),
    st.one_of(
        decimals("0", "-0.01", "12.5001"),
        st.decimals(min_value=Decimal("12.5001"), max_value=20, places=4),
    ),
)
INVOICE_NUMBERS = mostly(st.sampled_from(INVOICES), st.sampled_from(BAD_INVOICES))
REASON_TEXTS = mostly(st.sampled_from(REASONS[:2]), st.sampled_from(REASONS[2:]))
RARELY = mostly(st.just(False), st.just(True))


@dataclass
class Expected:
    """The model of one charge."""

    voucher: int
    provider: int
    amount: Decimal
    invoice: str
    confirm_by: datetime
    status: str = S.PENDING


@dataclass(frozen=True)
class World:
    """Made once per test (see the module's docstring)."""

    vouchers: tuple[Voucher, ...]
    applicant: object
    stranger: object  # an applicant of another enterprise
    other_credit_code: str  # that enterprise's
    providers: tuple[Provider, ...]
    offerings: tuple[Offering, ...]  # providers[i]'s
    staff: tuple[object, ...]  # providers[i]'s
    reviewers: dict[str, object] = field(default_factory=dict)
    manager: object = None
    window: timedelta = timedelta(days=7)
    price_above_list: str = "refuse"

    @classmethod
    def make(cls) -> World:
        setup = charge_setup(amount=CONTRACTS[0])
        second = ApplicationFactory(
            approved=True,
            program=setup.voucher.program,
            applicant=setup.applicant,
            provider=setup.provider,
            amount=CONTRACTS[1],
        )
        vouchers = (setup.voucher, second.voucher)
        assert tuple(v.face_value for v in vouchers) == FACES
        other = Provider.objects.get(pk=OfferingFactory().provider_id)
        other_staff = UserFactory()
        membership(other_staff, Role.PROVIDER_STAFF, other)
        stranger = make_role_user(Role.APPLICANT, region="330106", mfa=False)
        params = program_version_at(setup.voucher.program, timezone.now()).parsed()
        assert params.disbursement_mode == "deduct_at_provider"
        return cls(
            vouchers=vouchers,
            applicant=setup.applicant,
            stranger=stranger,
            other_credit_code=stranger.memberships.get().enterprise.uscc,
            providers=(setup.provider, other),
            offerings=(setup.offering, other.offerings.get()),
            staff=(setup.staff, other_staff),
            reviewers={
                # the enterprise is in Xihu (330106), in Hangzhou (330100)
                "county": make_role_user(Role.REVIEWER, region="330106", mfa=False),
                "city": make_role_user(Role.REVIEWER, region="330100", mfa=False),
                "elsewhere": make_role_user(Role.REVIEWER, region="330200", mfa=False),
            },
            manager=make_role_user(Role.PROGRAM_MANAGER, mfa=False),
            window=timedelta(days=params.confirmation_window_days),
            price_above_list=params.price_above_list,
        )


def attempt(service, **kwargs):
    """(the service's result, None), or (None, the ApplicationError that
    refused it)."""
    try:
        return service(**kwargs), None
    except ApplicationError as exc:
        return None, exc


def snapshot() -> tuple:
    """Everything a charge or a change of one could write."""
    return (
        Redemption.objects.count(),
        LedgerTransfer.objects.count(),
        AuditEvent.objects.count(),
        sorted(LedgerAccount.objects.values_list("pk", "balance")),
        sorted(
            Redemption.objects.values_list(
                "pk", "status", "dispute_reason", "decision_reason"
            )
        ),
    )


def last_event_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


class Charges(RuleBasedStateMachine):
    world: World  # set by the test

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        w = self.world
        # the model
        self.charges: dict[int, Expected] = {}
        self.remaining = list(FACES)
        self.held = [ZERO, ZERO]
        self.payable = [ZERO, ZERO]
        # expiry and revocation: which vouchers are closed, what went back to
        # the budget
        self.closed: list[str | None] = [None, None]
        self.released = [ZERO, ZERO]
        # charges are made, and the window passes, on this clock
        self.clock = timezone.now()
        self.issued = [timezone.localdate(v.issued_at) for v in w.vouchers]

    def teardown(self):
        if self._savepoint is not None:
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)
            self._savepoint = None

    # -- helpers ------------------------------------------------------------------

    def _with(self, *statuses) -> list[int]:
        return sorted(pk for pk, c in self.charges.items() if c.status in statuses)

    def _pick(self, data, status: str, among: list[int] | None = None) -> int:
        """A charge: mostly one with ``status`` (when there is one), else any
        (of ``among``)."""
        among = sorted(self.charges) if among is None else among
        usual = [pk for pk in among if self.charges[pk].status == status]
        pool = usual if usual and data.draw(st.integers(0, 3), label="usual") else among
        return data.draw(st.sampled_from(pool), label="charge")

    def _load(self, pk: int) -> Redemption:
        return Redemption.objects.get(pk=pk)

    def _refused(self, before: tuple, refused: ApplicationError | None, code: str):
        """The call was refused with ``code`` and wrote nothing."""
        assert refused is not None, f"expected a refusal {code!r}, got a success"
        assert refused.code == code, (refused.code, code, refused.message)
        assert snapshot() == before, "a refused call changed the database"
        event(f"refused: {code}")

    def _one_event(self, since: int, action: str, pk: int) -> None:
        rows = list(
            AuditEvent.objects.filter(pk__gt=since).values_list(
                "action", "object_type", "object_id"
            )
        )
        assert rows == [(action, "vouchers.redemption", str(pk))], rows

    def _move(self, pk: int, to: str) -> None:
        """Move the model's charge ``pk`` to ``to``, and its money."""
        c = self.charges[pk]
        assert c.status in HELD
        self.held[c.voucher] -= c.amount
        if to == S.CONFIRMED:
            self.payable[c.provider] += c.amount
        elif to == S.VOIDED and self.closed[c.voucher]:
            self.released[c.voucher] += c.amount  # nothing to spend it on
        elif to == S.VOIDED:
            self.remaining[c.voucher] += c.amount
        c.status = to

    def _charge_refusal(self, v: int, p: int, charge: Charge) -> str | None:
        """The code the service should refuse ``charge`` with, checked in
        its order, or None."""
        w = self.world
        if charge.credit_code != w.vouchers[v].enterprise.uscc:
            return error_codes.VOUCHER_NOT_FOUND
        if self.closed[v]:
            return error_codes.VOUCHER_NOT_ACTIVE
        today = timezone.localdate(self.clock)
        if w.vouchers[v].expires_on < today:
            return error_codes.VOUCHER_EXPIRED
        if charge.offering_id != w.offerings[p].pk:
            return error_codes.OFFERING_INVALID
        if charge.quantity <= 0 or charge.unit_price <= 0:
            return error_codes.INVALID
        amount = quantize(charge.quantity * charge.unit_price)
        if amount <= 0:
            return error_codes.INVALID
        if charge.unit_price > LIST_PRICE and w.price_above_list == "refuse":
            return error_codes.PRICE_ABOVE_LIST
        number = charge.invoice_number.strip()
        if not number or len(number) > INVOICE_MAX:
            return error_codes.INVALID
        if amount > self.remaining[v]:
            return error_codes.INSUFFICIENT_BALANCE
        if any(
            c.provider == p and c.invoice == number and c.status != S.VOIDED
            for c in self.charges.values()
        ):
            return error_codes.DUPLICATE_INVOICE
        return None

    # -- the providers ----------------------------------------------------------

    @rule(
        v=st.integers(0, 1),
        p=st.integers(0, 1),
        credit=mostly(
            st.just("right"), st.sampled_from(["other enterprise", "made up"])
        ),
        offering=mostly(st.just("own"), st.just("other provider's")),
        quantity=QUANTITIES,
        unit_price=PRICES,
        invoice=INVOICE_NUMBERS,
    )
    def charge(self, v, p, credit, offering, quantity, unit_price, invoice):
        self._charge(v, p, credit, offering, quantity, unit_price, invoice)

    @initialize(
        charges=st.lists(
            st.tuples(
                st.integers(0, 1),
                st.integers(0, 1),
                decimals("1", "2", "0.5", "3.333"),
                st.sampled_from(INVOICES),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def a_few_charges(self, charges):
        """Each example starts with charges to confirm, dispute and void."""
        for v, p, quantity, invoice in charges:
            self._charge(v, p, "right", "own", quantity, LIST_PRICE, invoice)

    def _charge(self, v, p, credit, offering, quantity, unit_price, invoice):
        w = self.world
        voucher = w.vouchers[v]
        charge = Charge(
            voucher_code=voucher.code,
            credit_code={
                "right": voucher.enterprise.uscc,
                "other enterprise": w.other_credit_code,
                "made up": "91330106MA2XXXXXX0",
            }[credit],
            offering_id=w.offerings[p if offering == "own" else 1 - p].pk,
            quantity=quantity,
            unit_price=unit_price,
            period_start=self.issued[v],
            period_end=self.issued[v],
            invoice_number=invoice,
        )
        expected = self._charge_refusal(v, p, charge)
        before, since = snapshot(), last_event_pk()
        made, refused = attempt(
            svc.redemption_charge,
            provider=w.providers[p],
            charge=charge,
            actor=w.staff[p],
            now=self.clock,
        )
        if expected is not None:
            self._refused(before, refused, expected)
            return
        assert refused is None, (refused.code, refused.message)
        amount = quantize(quantity * unit_price)
        assert made.status == S.PENDING
        assert made.amount == amount
        assert made.voucher_id == voucher.pk
        assert made.provider_id == w.providers[p].pk
        assert made.above_list_price == (unit_price > LIST_PRICE)
        self._one_event(since, actions.CHARGE_HELD, made.pk)
        self.charges[made.pk] = Expected(
            voucher=v,
            provider=p,
            amount=amount,
            invoice=invoice.strip(),
            confirm_by=self.clock + w.window,
        )
        self.remaining[v] -= amount
        self.held[v] += amount
        event("charged" if self.remaining[v] else "charged: voucher used up")

    @precondition(lambda self: self._with(S.PENDING))
    @rule(
        data=st.data(),
        wrong_provider=RARELY,
        reason=REASON_TEXTS,
    )
    def void(self, data, wrong_provider, reason):
        w = self.world
        pk = self._pick(data, S.PENDING)
        c = self.charges[pk]
        p = 1 - c.provider if wrong_provider else c.provider
        if p != c.provider:
            expected = error_codes.NOT_YOURS
        elif c.status != S.PENDING:
            expected = error_codes.TRANSITION
        elif not reason.strip() or len(reason.strip()) > REASON_MAX:
            expected = error_codes.INVALID
        else:
            expected = None
        before, since = snapshot(), last_event_pk()
        done, refused = attempt(
            svc.redemption_void,
            redemption=self._load(pk),
            provider=w.providers[p],
            actor=w.staff[p],
            reason=reason,
        )
        if expected is not None:
            self._refused(before, refused, expected)
            return
        assert refused is None, (refused.code, refused.message)
        assert done.status == S.VOIDED
        self._one_event(since, actions.CHARGE_VOIDED, pk)
        self._move(pk, S.VOIDED)
        event("voided by the provider")

    # -- the enterprise ---------------------------------------------------------

    @precondition(lambda self: self._with(S.PENDING))
    @rule(data=st.data(), stranger=RARELY)
    def confirm(self, data, stranger):
        w = self.world
        pk = self._pick(data, S.PENDING, sorted(self.charges))
        c = self.charges[pk]
        if stranger:
            expected = error_codes.NOT_YOURS
        elif c.status != S.PENDING:
            expected = error_codes.TRANSITION
        else:
            expected = None
        before, since = snapshot(), last_event_pk()
        done, refused = attempt(
            svc.redemption_confirm,
            redemption=self._load(pk),
            user=w.stranger if stranger else w.applicant,
        )
        if expected is not None:
            self._refused(before, refused, expected)
            return
        assert refused is None, (refused.code, refused.message)
        assert done.status == S.CONFIRMED
        self._one_event(since, actions.CHARGE_CONFIRMED, pk)
        self._move(pk, S.CONFIRMED)
        event("confirmed by the enterprise")

    @precondition(lambda self: self._with(S.PENDING))
    @rule(
        data=st.data(),
        stranger=RARELY,
        reason=REASON_TEXTS,
    )
    def dispute(self, data, stranger, reason):
        w = self.world
        pk = self._pick(data, S.PENDING)
        c = self.charges[pk]
        if stranger:
            expected = error_codes.NOT_YOURS
        elif not reason.strip() or len(reason.strip()) > REASON_MAX:
            expected = error_codes.INVALID  # the reason is checked first
        elif c.status != S.PENDING:
            expected = error_codes.TRANSITION
        else:
            expected = None
        before, since = snapshot(), last_event_pk()
        done, refused = attempt(
            svc.redemption_dispute,
            redemption=self._load(pk),
            user=w.stranger if stranger else w.applicant,
            reason=reason,
        )
        if expected is not None:
            self._refused(before, refused, expected)
            return
        assert refused is None, (refused.code, refused.message)
        assert done.status == S.DISPUTED
        assert done.dispute_reason == reason.strip()
        self._one_event(since, actions.CHARGE_DISPUTED, pk)
        c.status = S.DISPUTED  # still held
        event("disputed")

    # -- the reviewers ----------------------------------------------------------

    @precondition(lambda self: self._with(S.DISPUTED))
    @rule(
        data=st.data(),
        reviewer=st.sampled_from(["county", "city", "city", "elsewhere"]),
        uphold=st.booleans(),
        reason=REASON_TEXTS,
    )
    def decide(self, data, reviewer, uphold, reason):
        w = self.world
        pk = self._pick(data, S.DISPUTED)
        c = self.charges[pk]
        if reviewer == "elsewhere":
            expected = error_codes.OUT_OF_SCOPE
        elif c.status != S.DISPUTED:
            expected = error_codes.TRANSITION
        elif not reason.strip() or len(reason.strip()) > REASON_MAX:
            expected = error_codes.INVALID
        else:
            expected = None
        before, since = snapshot(), last_event_pk()
        done, refused = attempt(
            svc.redemption_dispute_decide,
            redemption=self._load(pk),
            reviewer=w.reviewers[reviewer],
            uphold=uphold,
            reason=reason,
        )
        if expected is not None:
            self._refused(before, refused, expected)
            return
        assert refused is None, (refused.code, refused.message)
        to = S.CONFIRMED if uphold else S.VOIDED
        assert done.status == to
        action = (
            actions.CHARGE_DISPUTE_UPHELD if uphold else actions.CHARGE_DISPUTE_VOIDED
        )
        self._one_event(since, action, pk)
        self._move(pk, to)
        event(f"dispute {'upheld' if uphold else 'voided'} by the {reviewer}")

    # -- time -------------------------------------------------------------------

    @rule(days=st.sampled_from([8, 30, 7, 3, 0]))
    def window_passes(self, days):
        """The clock moves on and the task confirms what is due."""
        self.clock += timedelta(days=days)
        due = {
            pk
            for pk, c in self.charges.items()
            if c.status == S.PENDING and c.confirm_by <= self.clock
        }
        since = last_event_pk()
        assert svc.redemptions_confirm_due(now=self.clock) == len(due)
        rows = list(
            AuditEvent.objects.filter(pk__gt=since).values_list(
                "action", "object_type", "object_id"
            )
        )
        assert sorted(rows) == sorted(
            (actions.CHARGE_CONFIRMED_BY_WINDOW, "vouchers.redemption", str(pk))
            for pk in due
        ), rows
        for pk in due:
            self._move(pk, S.CONFIRMED)
        # run twice: nothing more
        written = last_event_pk()
        assert svc.redemptions_confirm_due(now=self.clock) == 0
        assert last_event_pk() == written
        if due:
            event("confirmed by the window")

    # -- the end of a voucher ----------------------------------------------------

    def _close(self, v: int, status: str) -> None:
        """The model of expiry and revocation: pending charges past their
        window confirmed, the other pending ones voided, and everything not
        held by a dispute released to the budget."""
        self.closed[v] = status
        for pk in self._with(S.PENDING):
            c = self.charges[pk]
            if c.voucher == v:
                self._move(pk, S.CONFIRMED if c.confirm_by <= self.clock else S.VOIDED)
        self.released[v] += self.remaining[v]
        self.remaining[v] = ZERO

    @rule(v=st.integers(0, 1), stranger=RARELY, reason=REASON_TEXTS)
    def revoke(self, v, stranger, reason):
        """A program manager revokes a voucher (an applicant may not)."""
        w = self.world
        user = w.stranger if stranger else w.manager
        before = snapshot()
        _, refused = attempt(
            life.voucher_revoke,
            voucher=w.vouchers[v],
            user=user,
            reason=reason,
            now=self.clock,
        )
        if stranger:
            return self._refused(before, refused, error_codes.OUT_OF_SCOPE)
        if not reason.strip() or len(reason.strip()) > life.REASON_MAX:
            return self._refused(before, refused, error_codes.INVALID)
        if self.closed[v]:
            return self._refused(before, refused, error_codes.VOUCHER_NOT_ACTIVE)
        assert refused is None, refused
        self._close(v, Voucher.Status.REVOKED)
        event("voucher revoked")

    @rule(v=st.integers(0, 1))
    def validity_ends(self, v):
        """The voucher's last day passes on the clock; the nightly task
        expires it (twice: the second run does nothing)."""
        w = self.world
        Voucher.objects.filter(pk=w.vouchers[v].pk).update(
            expires_on=timezone.localdate(self.clock) - timedelta(days=1)
        )
        expected = 0 if self.closed[v] else 1
        assert life.vouchers_expire_due(now=self.clock) == expected
        if expected:
            self._close(v, Voucher.Status.EXPIRED)
            event("voucher expired")
        written = last_event_pk()
        assert life.vouchers_expire_due(now=self.clock) == 0
        assert last_event_pk() == written

    # -- invariants, after every step --------------------------------------------

    @invariant()
    def the_database_is_the_model(self):
        w = self.world
        actual = dict(
            Redemption.objects.filter(voucher__in=w.vouchers).values_list(
                "pk", "status"
            )
        )
        assert actual == {pk: c.status for pk, c in self.charges.items()}
        for i, voucher in enumerate(w.vouchers):
            balances = dict(
                LedgerAccount.objects.filter(voucher=voucher).values_list(
                    "kind", "balance"
                )
            )
            assert balances[K.VOUCHER] == self.remaining[i], i
            assert balances[K.HELD] == self.held[i], i
            status = Voucher.objects.filter(pk=voucher.pk).values_list(
                "status", flat=True
            )
            assert status.get() == (self.closed[i] or Voucher.Status.ACTIVE), i
        for i, provider in enumerate(w.providers):
            payable = LedgerAccount.objects.filter(
                provider=provider, kind=K.PROVIDER_PAYABLE
            ).values_list("balance", flat=True)
            assert sum(payable, ZERO) == self.payable[i], i

    @invariant()
    def the_money_adds_up(self):
        w = self.world
        for i, voucher in enumerate(w.vouchers):
            mine = [c for c in self.charges.values() if c.voucher == i]
            held = sum((c.amount for c in mine if c.status in HELD), ZERO)
            confirmed = sum((c.amount for c in mine if c.status == S.CONFIRMED), ZERO)
            assert self.remaining[i] >= 0
            assert self.held[i] >= 0
            assert self.held[i] == held
            assert (
                voucher.face_value
                == self.remaining[i] + held + confirmed + self.released[i]
            )
        for i in range(len(w.providers)):
            confirmed = sum(
                (
                    c.amount
                    for c in self.charges.values()
                    if c.provider == i and c.status == S.CONFIRMED
                ),
                ZERO,
            )
            assert self.payable[i] == confirmed
        # and in the ledger itself: nothing below zero but the funding
        negative = LedgerAccount.objects.filter(balance__lt=0).exclude(
            kind__in=EXTERNAL_KINDS
        )
        assert not negative.exists()

    @invariant()
    def the_ledger_checks(self):
        assert check_ledger() == []

    @invariant()
    def an_invoice_backs_one_charge(self):
        twice = (
            Redemption.objects.exclude(status=S.VOIDED)
            .values("invoice_issuer", "invoice_number")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not twice.exists(), list(twice)


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path  # the applications' documents
    return World.make()


def test_the_charge_lifecycle_keeps_its_invariants(world):
    Charges.world = world
    try:
        run_state_machine_as_test(Charges, settings=SETTINGS)
    finally:
        del Charges.world


def test_a_refused_charge_does_not_poison_the_transaction(world):
    """A duplicate invoice fails an INSERT inside the service's savepoint:
    the outer transaction goes on, and nothing of the charge stays."""
    w = world
    charge = Charge(
        voucher_code=w.vouchers[0].code,
        credit_code=w.vouchers[0].enterprise.uscc,
        offering_id=w.offerings[0].pk,
        quantity=Decimal("1"),
        unit_price=LIST_PRICE,
        period_start=timezone.localdate(w.vouchers[0].issued_at),
        period_end=timezone.localdate(w.vouchers[0].issued_at),
        invoice_number="FP-X",
    )
    with transaction.atomic():  # as each example's savepoint
        svc.redemption_charge(provider=w.providers[0], charge=charge, actor=None)
        before = snapshot()
        with pytest.raises(ApplicationError) as caught:
            svc.redemption_charge(provider=w.providers[0], charge=charge, actor=None)
        assert caught.value.code == error_codes.DUPLICATE_INVOICE
        # the connection still answers, and nothing was written
        assert snapshot() == before
        assert check_ledger() == []


def test_the_enterprise_cannot_confirm_a_charge_it_disputed(world):
    w = world
    r = svc.redemption_charge(
        provider=w.providers[0],
        charge=Charge(
            voucher_code=w.vouchers[0].code,
            credit_code=w.vouchers[0].enterprise.uscc,
            offering_id=w.offerings[0].pk,
            quantity=Decimal("1"),
            unit_price=LIST_PRICE,
            period_start=timezone.localdate(w.vouchers[0].issued_at),
            period_end=timezone.localdate(w.vouchers[0].issued_at),
            invoice_number="FP-D",
        ),
        actor=w.staff[0],
    )
    svc.redemption_dispute(redemption=r, user=w.applicant, reason="不认")
    before = snapshot()

    with pytest.raises(ApplicationError) as caught:
        svc.redemption_confirm(redemption=r, user=w.applicant)

    assert caught.value.code == error_codes.TRANSITION
    assert snapshot() == before
