"""The budget ledger: transfers and their guards, the database's own guards
(no negative balance but on funding sources; transfers append-only),
appropriation by funding source, issuance from the budget in funding order,
and check_ledger finding each kind of corruption."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    make_program,
    program_params,
    version_changed,
)
from tests.factories.ledger import transfer_key
from vouchers.demo.programs import load_demo_programs
from vouchers.issuance import codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import budget_remaining, voucher_balance
from vouchers.ledger.services import (
    account,
    program_fund,
    provider_account,
    transfer,
    voucher_account,
)
from vouchers.models import Application, LedgerAccount, LedgerTransfer, Program, Voucher
from vouchers.programs import services

K = LedgerAccount.Kind


def yuan(value: str) -> Decimal:
    return Decimal(value)


def _budget(**sources: str) -> dict:
    return program_params(budget=dict(sources.items()))


def open_program(code="TEST-FUND-2026", **sources: str) -> Program:
    """A program of the Hangzhou kind (county then city review, 50% for SMEs)
    with the given budget by funding source, opened (so appropriated)."""
    program = make_program(code, params=_budget(**sources))
    return services.program_set_status(
        program=program, to_status=Program.Status.OPEN, actor=None
    )


def change_budget(program: Program, **sources: str):
    return version_changed(program=program, params=_budget(**sources), actor=None)


def pool(program: Program, source: str) -> LedgerAccount:
    return LedgerAccount.objects.get(
        program=program, kind=K.BUDGET, funding_source=source
    )


def funding(program: Program, source: str) -> LedgerAccount:
    return LedgerAccount.objects.get(
        program=program, kind=K.FUNDING, funding_source=source
    )


def issue(program: Program, subsidy: str, *, number="HT-2026-001") -> Voucher:
    """Apply (a compute contract of twice ``subsidy``: 50% for an SME) and
    approve at the county and the city: the final approval issues the voucher."""
    app = ApplicationFactory(
        approved=True,
        program=program,
        contract_number=number,
        amount=str(yuan(subsidy) * 2),
    )
    assert app.requested_subsidy == yuan(subsidy)
    return Voucher.objects.get(application=app)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def program(db) -> Program:
    return open_program(province="100.00", city="100.00")


# -- transfer's own guards -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount",
    [yuan("0"), yuan("0.00"), yuan("-1.00"), yuan("1.001"), yuan("0.005"), 1, 1.5],
    ids=["zero", "zero-fen", "negative", "three-places", "half-fen", "int", "float"],
)
def test_transfer_refuses_amounts_that_are_not_positive_in_fen(program, amount):
    # given
    before = LedgerTransfer.objects.count()
    reserved = account(program, K.RESERVED)

    # when / then
    with (
        pytest.raises(ValueError, match="positive amount in fen"),
        transaction.atomic(),
    ):
        transfer(
            debit=pool(program, "city"),
            credit=reserved,
            amount=amount,
            kind="budget_reduced",
            key=transfer_key(),
        )
    assert LedgerTransfer.objects.count() == before
    assert pool(program, "city").balance == yuan("100.00")


def test_transfer_refuses_to_run_outside_a_transaction():
    """No django_db mark: a pytest-django database test always runs inside a
    transaction. Any query would fail with "Database access not allowed", so
    the RuntimeError also shows the guard fires before anything is written."""
    # given
    assert not transaction.get_connection().in_atomic_block

    # when / then
    with pytest.raises(RuntimeError, match="inside the transaction"):
        transfer(
            debit=LedgerAccount(pk=1, kind=K.BUDGET),
            credit=LedgerAccount(pk=2, kind=K.RESERVED),
            amount=yuan("1.00"),
            kind="budget_reduced",
            key=transfer_key(),
        )


# -- the database's guards --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [
        K.BUDGET,
        K.RESERVED,
        K.VOUCHER,
        K.HELD,
        K.PROVIDER_PAYABLE,
        K.PAID_OUT,
        K.RELEASED,
    ],
)
def test_the_database_refuses_a_negative_balance_on_every_kind_but_funding(
    media, program, kind
):
    # given
    if kind in (K.VOUCHER, K.HELD):
        acc = voucher_account(issue(program, "40.00"), kind)
    elif kind in (K.PROVIDER_PAYABLE, K.PAID_OUT):
        acc = provider_account(program, ProviderFactory().pk, kind)
    else:
        acc = account(program, kind, "city" if kind == K.BUDGET else "")

    # when / then
    with pytest.raises(IntegrityError, match="not_negative"), transaction.atomic():
        LedgerAccount.objects.filter(pk=acc.pk).update(balance=yuan("-0.01"))


@pytest.mark.django_db
def test_a_transfer_cannot_overdraw_the_budget(program):
    # given
    city = pool(program, "city")

    # when / then
    with pytest.raises(IntegrityError, match="not_negative"), transaction.atomic():
        transfer(
            debit=city,
            credit=account(program, K.RELEASED),
            amount=yuan("100.01"),
            kind="budget_reduced",
            key=transfer_key(),
        )
    assert pool(program, "city").balance == yuan("100.00")
    assert check_ledger() == []


@pytest.mark.django_db
def test_a_transfer_cannot_overdraw_a_voucher(media, program):
    # given
    voucher = issue(program, "40.00")
    acc = voucher_account(voucher)

    # when / then
    with pytest.raises(IntegrityError, match="not_negative"), transaction.atomic():
        transfer(
            debit=acc,
            credit=voucher_account(voucher, K.HELD),
            amount=yuan("40.01"),
            kind="budget_reduced",
            key=transfer_key(),
        )
    assert voucher_balance(voucher) == yuan("40.00")


@pytest.mark.django_db
def test_a_funding_source_goes_below_zero_by_what_it_appropriated(program):
    # given
    province = funding(program, "province")
    assert province.balance == yuan("-100.00")

    # when
    with transaction.atomic():
        transfer(
            debit=province,
            credit=pool(program, "province"),
            amount=yuan("5.00"),
            kind="budget_reduced",
            key=transfer_key(),
        )

    # then
    assert funding(program, "province").balance == yuan("-105.00")
    assert check_ledger() == []


def _a_transfer(program) -> LedgerTransfer:
    return LedgerTransfer.objects.filter(
        credit=pool(program, "province"), kind="budget_appropriated"
    ).get()


def _update_with_queryset(row):
    LedgerTransfer.objects.filter(pk=row.pk).update(amount=yuan("1.00"))


def _delete_with_queryset(row):
    LedgerTransfer.objects.filter(pk=row.pk).delete()


def _save_the_instance(row):
    row.amount = yuan("1.00")
    row.save()


def _delete_the_instance(row):
    row.delete()


def _update_with_sql(row):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vouchers_ledgertransfer SET amount = 1 WHERE id = %s", [row.pk]
        )


def _delete_with_sql(row):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM vouchers_ledgertransfer WHERE id = %s", [row.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        _update_with_queryset,
        _delete_with_queryset,
        _save_the_instance,
        _delete_the_instance,
        _update_with_sql,
        _delete_with_sql,
    ],
)
def test_transfers_cannot_be_updated_or_deleted(program, change):
    # given
    row = _a_transfer(program)

    # when / then
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(row)
    row = LedgerTransfer.objects.get(pk=row.pk)
    assert row.amount == yuan("100.00")


# -- appropriation by funding source --------------------------------------------


@pytest.mark.django_db
def test_opening_a_program_appropriates_its_budget_by_funding_source(program):
    # then
    for source in ("province", "city"):
        assert pool(program, source).balance == yuan("100.00")
        assert funding(program, source).balance == yuan("-100.00")
    moves = LedgerTransfer.objects.filter(kind="budget_appropriated")
    assert sorted(
        (t.debit.funding_source, t.credit.kind, t.amount, t.reference_id) for t in moves
    ) == [
        ("city", K.BUDGET, yuan("100.00"), str(program.pk)),
        ("province", K.BUDGET, yuan("100.00"), str(program.pk)),
    ]
    assert budget_remaining(program) == yuan("200.00")
    assert check_ledger() == []


@pytest.mark.django_db
def test_a_version_with_more_budget_transfers_the_difference_in(program):
    # given
    before = LedgerTransfer.objects.count()

    # when
    change_budget(program, province="150.00", city="100.00")

    # then
    [added] = LedgerTransfer.objects.filter(pk__gt=_last_before(before))
    assert (added.debit, added.credit, added.amount, added.kind) == (
        funding(program, "province"),
        pool(program, "province"),
        yuan("50.00"),
        "budget_appropriated",
    )
    assert pool(program, "province").balance == yuan("150.00")
    assert pool(program, "city").balance == yuan("100.00")
    assert check_ledger() == []


@pytest.mark.django_db
def test_a_version_with_less_budget_transfers_the_difference_back(program):
    # given
    before = LedgerTransfer.objects.count()

    # when
    change_budget(program, province="60.00", city="100.00")

    # then
    [returned] = LedgerTransfer.objects.filter(pk__gt=_last_before(before))
    assert (returned.debit, returned.credit, returned.amount, returned.kind) == (
        pool(program, "province"),
        funding(program, "province"),
        yuan("40.00"),
        "budget_reduced",
    )
    assert pool(program, "province").balance == yuan("60.00")
    assert funding(program, "province").balance == yuan("-60.00")
    assert check_ledger() == []


def _last_before(count: int) -> int:
    """The id of the last transfer when there were ``count`` of them."""
    return LedgerTransfer.objects.order_by("id").values_list("id", flat=True)[count - 1]


@pytest.mark.django_db
def test_the_budget_cannot_be_cut_below_what_is_committed(media, program):
    # given: 150 issued, province drained, 50 left in the city's pool
    issue(program, "150.00")
    versions = program.versions.count()
    transfers = LedgerTransfer.objects.count()

    # when: the city's 100 cut to 40 would take back 60
    with pytest.raises(ApplicationError) as refused:
        change_budget(program, province="100.00", city="40.00")

    # then: nothing changed, not even the version
    assert refused.value.field == "budget"
    assert program.versions.count() == versions
    assert LedgerTransfer.objects.count() == transfers
    assert pool(program, "city").balance == yuan("50.00")

    # when: a cut within what is free
    change_budget(program, province="100.00", city="60.00")

    # then
    assert pool(program, "city").balance == yuan("10.00")
    assert funding(program, "city").balance == yuan("-60.00")
    assert check_ledger() == []


@pytest.mark.django_db
def test_a_version_that_drops_a_funding_source_gives_its_budget_back(program):
    # when
    change_budget(program, province="100.00")

    # then
    assert budget_remaining(program) == yuan("100.00")
    assert funding(program, "city").balance == yuan("0.00")


@pytest.mark.django_db
def test_program_fund_can_be_called_again_without_moving_anything(program):
    # given
    before = LedgerTransfer.objects.count()

    # when
    program_fund(program=program, budget={"province": yuan("100"), "city": yuan("100")})

    # then
    assert LedgerTransfer.objects.count() == before


# -- issuance ------------------------------------------------------------------------


@pytest.mark.django_db
def test_issuance_moves_exactly_the_face_value_drawing_province_then_city(media):
    # given: the city's source first in the parameters; the order is the rule's
    program = open_program(city="100.00", province="100.00")
    before = budget_remaining(program)

    # when
    voucher = issue(program, "150.00")

    # then
    after = budget_remaining(program)
    assert voucher.face_value == yuan("150.00")
    assert before - after == voucher.face_value
    assert voucher_balance(voucher) == voucher.face_value
    assert pool(program, "province").balance == yuan("0.00")
    assert pool(program, "city").balance == yuan("50.00")
    drawn = [
        (t.debit.funding_source, t.amount)
        for t in LedgerTransfer.objects.filter(kind="voucher_issued").order_by("id")
    ]
    assert drawn == [("province", yuan("100.00")), ("city", yuan("50.00"))]
    assert check_ledger() == []


# -- check_ledger ------------------------------------------------------------------


@pytest.fixture
def healthy(media, db) -> Voucher:
    """The demo programs, and a voucher issued from a program of its own."""
    load_demo_programs(actor=None)
    voucher = issue(open_program(province="100.00", city="100.00"), "150.00")
    assert check_ledger() == []
    return voucher


def _messages() -> list[str]:
    return [str(v) for v in check_ledger()]


def _drop_constraint(table: str, name: str) -> None:
    """Corrupting on purpose: the test's transaction puts it back. The
    deferred foreign-key checks run first (PostgreSQL alters no table with
    pending trigger events)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_check_ledger_reports_a_cached_balance_that_differs_from_the_transfers(
    healthy,
):
    # given: accounts are not append-only; a balance is changed behind the ledger
    acc = pool(healthy.program, "city")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vouchers_ledgeraccount SET balance = balance + 1 WHERE id = %s",
            [acc.pk],
        )

    # when
    problems = _messages()

    # then
    assert problems == [
        f"account {acc.pk} (budget): cached balance 51.00 but transfers give 50.00",
        f"program {healthy.program_id}: balances add up to 1.00, not 0 (appropriated ≠ "
        "budget + reserved + vouchers + held + payable + paid out + released, or "
        "repaid ≠ recovered)",
    ]


def test_check_ledger_reports_a_negative_balance(healthy):
    # given: without its check constraint, a transfer overdraws the city's pool
    _drop_constraint("vouchers_ledgeraccount", "ledger_balance_not_negative")
    acc = pool(healthy.program, "city")
    with transaction.atomic():
        transfer(
            debit=acc,
            credit=account(healthy.program, K.RELEASED),
            amount=yuan("50.01"),
            kind="budget_reduced",
            key=transfer_key(),
        )

    # when
    problems = _messages()

    # then: the balance agrees with the transfers; it is only negative
    assert problems == [f"account {acc.pk} (budget) is negative: -0.01"]


@pytest.mark.parametrize("fault", ["zero-amount", "one-account"])
def test_check_ledger_reports_a_transfer_that_moves_nothing(healthy, fault):
    # given
    acc = pool(healthy.program, "city")
    if fault == "zero-amount":
        _drop_constraint("vouchers_ledgertransfer", "ledger_transfer_amount_positive")
        row = {
            "debit": acc,
            "credit": account(healthy.program, K.RELEASED),
            "amount": 0,
        }
    else:
        _drop_constraint("vouchers_ledgertransfer", "ledger_transfer_two_accounts")
        row = {"debit": acc, "credit": acc, "amount": yuan("5.00")}
    LedgerTransfer.objects.create(kind="budget_reduced", key=transfer_key(), **row)

    # when
    problems = _messages()

    # then
    assert problems == ["1 transfer(s) with a non-positive amount or one account"]


def test_check_ledger_reports_a_voucher_whose_face_value_was_not_issued(healthy):
    # given: a voucher row made directly, without any issuance
    issued = healthy.application
    application = Application.objects.create(
        program=issued.program,
        enterprise=issued.enterprise,
        created_by=issued.created_by,
        status=Application.Status.APPROVED,
    )
    code = codes.generate()
    Voucher.objects.create(
        code=code,
        application=application,
        enterprise=issued.enterprise,
        program=issued.program,
        face_value=yuan("99.00"),
        issued_at=timezone.now(),
        expires_on=date(2027, 12, 31),
    )

    # when
    problems = _messages()

    # then
    assert problems == [f"voucher {code}: face value 99.00 but 0.00 was issued into it"]


def test_check_ledger_reports_a_face_value_changed_after_issuance(healthy):
    # given
    Voucher.objects.filter(pk=healthy.pk).update(face_value=yuan("160.00"))

    # when
    problems = _messages()

    # then
    assert problems == [
        f"voucher {healthy.code}: face value 160.00 but 150.00 was issued into it"
    ]


def test_the_command_exits_cleanly_on_a_healthy_ledger(healthy):
    # given
    out = StringIO()

    # when
    call_command("check_ledger", stdout=out)

    # then
    assert "no violation" in out.getvalue()


def test_the_command_fails_with_the_violations(healthy):
    # given
    acc = pool(healthy.program, "province")
    LedgerAccount.objects.filter(pk=acc.pk).update(balance=yuan("7.00"))
    err = StringIO()

    # when / then
    with pytest.raises(CommandError, match=r"^2 ledger invariant\(s\) violated\.$"):
        call_command("check_ledger", stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [f"- {problem}" for problem in _messages()]
    assert f"- account {acc.pk} (budget): cached balance 7.00" in lines[0]
    assert "balances add up to 7.00, not 0" in lines[1]
