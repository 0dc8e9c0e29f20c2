"""Settlement through the services: statements built from confirmed charges
(once, idempotently, concurrently), the provider's records matched against
them, submission, approval or return, and payment through the ledger; every
refusal changes nothing; one audit event per change."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import make_role_user, version_changed
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers import error_codes
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.services import provider_account
from vouchers.models import (
    LedgerAccount,
    Payment,
    Reconciliation,
    ReconciliationItem,
    Redemption,
    Statement,
)
from vouchers.programs.selectors import program_version_at
from vouchers.redemption import services as charges
from vouchers.settlement import services as svc
from vouchers.settlement.documents import statement_pdf, statement_xlsx
from vouchers.settlement.periods import period_before, period_containing
from vouchers.settlement.records import records_read

pytestmark = pytest.mark.django_db

St = Statement.Status
Outcome = ReconciliationItem.Outcome
K = LedgerAccount.Kind


@pytest.fixture
def setup(settings, tmp_path) -> ChargeSetup:
    settings.MEDIA_ROOT = tmp_path
    return charge_setup()


@pytest.fixture
def manager(db):
    return make_role_user("program_manager", region="330000")


def confirmed(setup: ChargeSetup, n: int = 3, **changes) -> list[Redemption]:
    done = []
    for _ in range(n):
        charge = setup.hold(**changes)
        done.append(charges.redemption_confirm(redemption=charge, user=setup.applicant))
    return done


def this_month() -> tuple[date, date]:
    return period_containing(timezone.localdate(), 1)


def build(setup: ChargeSetup) -> Statement:
    start, end = this_month()
    statement = svc.statement_build(
        program=setup.voucher.program,
        provider=setup.provider,
        period_start=start,
        period_end=end,
    )
    assert statement is not None
    return statement


def csv_of(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["发票号码,券码,金额,日期", *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def records_of(lines: list[Redemption]) -> list[tuple[str, str, str, str]]:
    today = timezone.localdate().isoformat()
    return [(c.invoice_number, c.voucher.code, str(c.amount), today) for c in lines]


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def balances(setup: ChargeSetup) -> tuple[Decimal, Decimal]:
    program = setup.voucher.program
    return (
        provider_account(program, setup.provider.pk, K.PROVIDER_PAYABLE).balance,
        provider_account(program, setup.provider.pk, K.PAID_OUT).balance,
    )


# -- periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 1, (date(2026, 3, 1), date(2026, 3, 31))),
        (date(2026, 2, 1), 1, (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2028, 2, 29), 1, (date(2028, 2, 1), date(2028, 2, 29))),
        (date(2026, 5, 31), 3, (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 12, 31), 6, (date(2026, 7, 1), date(2026, 12, 31))),
        (date(2026, 1, 1), 12, (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_period_containing(day, months, expected):
    assert period_containing(day, months) == expected


def test_period_before_crosses_the_year():
    assert period_before(date(2027, 1, 10), 1) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert period_before(date(2027, 2, 10), 3) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


def test_a_period_must_divide_the_year():
    with pytest.raises(ValueError, match="divides the year"):
        period_containing(date(2026, 1, 1), 5)


# -- building ---------------------------------------------------------------------------


def test_statement_lists_the_confirmed_charges_of_the_period(setup):
    lines = confirmed(setup, 3)
    pending = setup.hold()
    statement = build(setup)
    assert statement.status == St.OPEN
    assert statement.charge_count == 3
    assert statement.total == sum(c.amount for c in lines)
    assert set(statement.charges.values_list("pk", flat=True)) == {c.pk for c in lines}
    pending.refresh_from_db()
    assert pending.statement_id is None
    assert events(actions.STATEMENT_BUILT) == 1
    assert statement.number.startswith(f"{setup.voucher.program.code}-")


def test_building_twice_gives_the_same_statement(setup):
    confirmed(setup, 2)
    first = build(setup)
    confirmed(setup, 1)  # confirmed after the build: waits for the next statement
    again = build(setup)
    assert again.pk == first.pk
    assert again.charge_count == 2
    assert Statement.objects.count() == 1
    assert events(actions.STATEMENT_BUILT) == 1


def test_no_statement_without_confirmed_charges(setup):
    setup.hold()
    start, end = this_month()
    assert (
        svc.statement_build(
            program=setup.voucher.program,
            provider=setup.provider,
            period_start=start,
            period_end=end,
        )
        is None
    )
    assert Statement.objects.count() == 0


def test_a_charge_confirmed_after_the_period_waits_for_the_next(setup):
    confirmed(setup, 1)
    yesterday = timezone.localdate() - timedelta(days=1)
    start, _end = period_containing(yesterday, 1)
    assert (
        svc.statement_build(
            program=setup.voucher.program,
            provider=setup.provider,
            period_start=start,
            period_end=yesterday,
        )
        is None
    )


def test_build_due_builds_last_period_once(setup):
    confirmed(setup, 2)
    _start, end = this_month()
    next_month = end + timedelta(days=1)
    built = svc.statements_build_due(today=next_month)
    assert len(built) == 1
    assert built[0].period_start == this_month()[0]
    assert svc.statements_build_due(today=next_month) == []
    assert Statement.objects.count() == 1


def test_statement_months_of_the_program_sets_the_period(setup, manager):
    program = setup.voucher.program
    params = {
        **program_version_at(program, timezone.now()).params,
        "statement_months": 3,
    }
    version_changed(program=program, params=params, actor=manager)
    confirmed(setup, 1)
    quarter = period_containing(timezone.localdate(), 3)
    built = svc.statements_build_due(today=quarter[1] + timedelta(days=1))
    assert [(s.period_start, s.period_end) for s in built] == [quarter]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_builds_make_one_statement(setup):
    confirmed(setup, 4)
    _start, end = this_month()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run():
        try:
            barrier.wait()
            results.append(svc.statements_build_due(today=end + timedelta(days=1)))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Statement.objects.count() == 1
    statement = Statement.objects.get()
    assert statement.charge_count == 4
    assert Redemption.objects.filter(statement=statement).count() == 4
    assert events(actions.STATEMENT_BUILT) == 1


# -- the provider's records -------------------------------------------------------------


def test_records_read_names_every_bad_line():
    content = csv_of(
        [
            ("FP1", "", "100.00", "2026-03-01"),
            ("", "", "5", ""),
            ("FP1", "", "1", ""),
            ("FP3", "NOT-A-CODE", "-2", "31/03/2026"),
        ]
    )
    with pytest.raises(ApplicationError) as refused:
        records_read("march.csv", content)
    assert refused.value.code == error_codes.RECORDS_FILE
    message = refused.value.message
    assert "Line 3" in message or "第 3 行" in message
    for line in ("3", "4", "5"):
        assert line in message


def test_records_read_accepts_english_headers_gbk_and_thousands():
    content = 'invoice_number,amount,date\nFP9,"1,250.00",2026/03/31\n'.encode(
        "gb18030"
    )
    [record] = records_read("records.CSV", content)
    assert record.invoice_number == "FP9"
    assert record.amount == Decimal("1250.00")
    assert record.date == date(2026, 3, 31)


def test_records_read_refuses_missing_columns_and_other_files():
    with pytest.raises(ApplicationError):
        records_read("a.csv", b"number,sum\nFP1,1\n")
    with pytest.raises(ApplicationError):
        records_read("a.pdf", b"%PDF-1.7")
    with pytest.raises(ApplicationError):
        records_read("a.xlsx", b"not a workbook")


def test_reconcile_all_matched_then_submit(setup):
    lines = confirmed(setup, 3)
    statement = build(setup)
    report = svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="march.csv",
        content=csv_of(records_of(lines)),
    )
    assert (report.row_count, report.matched, report.differences) == (3, 3, 0)
    svc.statement_submit(statement=statement, user=setup.staff)
    statement.refresh_from_db()
    assert statement.status == St.SUBMITTED
    assert events(actions.STATEMENT_RECONCILED) == 1
    assert events(actions.STATEMENT_SUBMITTED) == 1


def test_reconcile_reports_each_kind_of_difference(setup):
    a, b, c = confirmed(setup, 3)
    statement = build(setup)
    today = timezone.localdate().isoformat()
    rows = [
        (a.invoice_number, a.voucher.code, str(a.amount), today),  # matched
        (b.invoice_number, b.voucher.code, str(b.amount + 1), today),  # amount
        ("FP-NOT-HERE", "", "99.00", today),  # only in the provider's records
    ]  # c is missing from the provider's records
    report = svc.statement_reconcile(
        statement=statement, user=setup.staff, file_name="m.csv", content=csv_of(rows)
    )
    outcomes = {i.invoice_number: i.outcome for i in report.items.all()}
    assert outcomes == {
        a.invoice_number: Outcome.MATCHED,
        b.invoice_number: Outcome.AMOUNT_DIFFERS,
        "FP-NOT-HERE": Outcome.MISSING_ON_PLATFORM,
        c.invoice_number: Outcome.MISSING_ON_PROVIDER,
    }
    assert (report.matched, report.differences) == (1, 3)

    with pytest.raises(ApplicationError) as refused:
        svc.statement_submit(statement=statement, user=setup.staff)
    assert refused.value.code == error_codes.NOT_RECONCILED
    for item in report.items.exclude(outcome=Outcome.MATCHED):
        svc.reconciliation_item_explain(
            item=item, user=setup.staff, note="发票已红冲重开"
        )
    svc.statement_submit(statement=statement, user=setup.staff)
    assert Statement.objects.get().status == St.SUBMITTED
    assert events(actions.STATEMENT_DIFFERENCE_EXPLAINED) == 3


def test_an_xlsx_upload_is_read_like_a_csv(setup):
    lines = confirmed(setup, 2)
    statement = build(setup)
    book = Workbook()
    sheet = book.active
    sheet.append(["券码", "发票号码", "金额（元）", "开票日期"])
    for c in lines:
        sheet.append(
            [c.voucher.code, c.invoice_number, float(c.amount), timezone.localdate()]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    report = svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="records.xlsx",
        content=buffer.getvalue(),
    )
    assert (report.matched, report.differences) == (2, 0)


def test_a_bad_file_writes_nothing(setup):
    confirmed(setup, 1)
    statement = build(setup)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError):
        svc.statement_reconcile(
            statement=statement,
            user=setup.staff,
            file_name="m.csv",
            content=csv_of([("FP1", "", "abc", "")]),
        )
    assert Reconciliation.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_submit_needs_records_and_only_staff_reconcile(setup, manager):
    confirmed(setup, 1)
    statement = build(setup)
    with pytest.raises(ApplicationError) as refused:
        svc.statement_submit(statement=statement, user=setup.staff)
    assert refused.value.code == error_codes.NOT_RECONCILED
    with pytest.raises(ApplicationError) as refused:
        svc.statement_reconcile(
            statement=statement, user=manager, file_name="m.csv", content=csv_of([])
        )
    assert refused.value.code == error_codes.NOT_A_MEMBER


def test_an_older_report_cannot_be_explained(setup):
    lines = confirmed(setup, 1)
    statement = build(setup)
    old = svc.statement_reconcile(
        statement=statement, user=setup.staff, file_name="a.csv", content=csv_of([])
    )
    svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="b.csv",
        content=csv_of(records_of(lines)),
    )
    item = old.items.get()
    with pytest.raises(ApplicationError) as refused:
        svc.reconciliation_item_explain(item=item, user=setup.staff, note="x")
    assert refused.value.code == error_codes.TRANSITION


# -- approval and payment ---------------------------------------------------------------


def submitted(setup: ChargeSetup) -> Statement:
    lines = confirmed(setup, 2)
    statement = build(setup)
    svc.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="m.csv",
        content=csv_of(records_of(lines)),
    )
    return svc.statement_submit(statement=statement, user=setup.staff)


def test_approve_and_pay_moves_payable_to_paid_out(setup, manager):
    statement = submitted(setup)
    payable_before, paid_before = balances(setup)
    assert payable_before == statement.total
    assert paid_before == 0
    svc.statement_approve(statement=statement, user=manager)
    payment = svc.statement_pay(
        statement=statement,
        user=manager,
        reference="GK2026-000123",
        paid_on=timezone.localdate(),
        amount=statement.total,
    )
    statement.refresh_from_db()
    assert statement.status == St.PAID
    assert payment.amount == statement.total
    assert balances(setup) == (Decimal("0"), statement.total)
    assert check_ledger() == []
    assert events(actions.STATEMENT_APPROVED) == 1
    assert events(actions.STATEMENT_PAID) == 1


def test_payment_refusals_change_nothing(setup, manager):
    statement = submitted(setup)
    with pytest.raises(ApplicationError) as refused:
        svc.statement_pay(
            statement=statement,
            user=manager,
            reference="R1",
            paid_on=timezone.localdate(),
            amount=statement.total,
        )
    assert refused.value.code == error_codes.TRANSITION  # not approved yet
    svc.statement_approve(statement=statement, user=manager)
    today = timezone.localdate()
    cases = [
        ({"amount": statement.total - Decimal("0.01")}, error_codes.PAYMENT_AMOUNT),
        ({"paid_on": today + timedelta(days=1)}, error_codes.INVALID),
        ({"paid_on": today - timedelta(days=1)}, error_codes.INVALID),
        ({"reference": "  "}, error_codes.INVALID),
    ]
    before = (balances(setup), AuditEvent.objects.count(), Payment.objects.count())
    for change, code in cases:
        args = {
            "reference": "R1",
            "paid_on": today,
            "amount": statement.total,
            **change,
        }
        with pytest.raises(ApplicationError) as refused:
            svc.statement_pay(statement=statement, user=manager, **args)
        assert refused.value.code == code, change
    assert (
        balances(setup),
        AuditEvent.objects.count(),
        Payment.objects.count(),
    ) == before
    assert Statement.objects.get().status == St.APPROVED


def test_a_payment_reference_is_used_once(setup, manager):
    statement = submitted(setup)
    svc.statement_approve(statement=statement, user=manager)
    svc.statement_pay(
        statement=statement,
        user=manager,
        reference="GK-1",
        paid_on=timezone.localdate(),
        amount=statement.total,
    )
    # A second provider's statement, paid with the same reference.
    other = charge_setup()
    lines = confirmed(other, 1)
    second = build(other)
    svc.statement_reconcile(
        statement=second,
        user=other.staff,
        file_name="m.csv",
        content=csv_of(records_of(lines)),
    )
    svc.statement_submit(statement=second, user=other.staff)
    svc.statement_approve(statement=second, user=manager)
    with pytest.raises(ApplicationError) as refused:
        svc.statement_pay(
            statement=second,
            user=manager,
            reference="GK-1",
            paid_on=timezone.localdate(),
            amount=second.total,
        )
    assert refused.value.code == error_codes.DUPLICATE_REFERENCE
    assert balances(other)[1] == 0


def test_only_a_manager_approves_and_a_return_reopens(setup, manager):
    statement = submitted(setup)
    with pytest.raises(ApplicationError) as refused:
        svc.statement_approve(statement=statement, user=setup.staff)
    assert refused.value.code == error_codes.OUT_OF_SCOPE
    with pytest.raises(ApplicationError):
        svc.statement_return(statement=statement, user=manager, reason=" ")
    svc.statement_return(
        statement=statement, user=manager, reason="请补充第 2 行的说明"
    )
    statement.refresh_from_db()
    assert statement.status == St.OPEN
    assert statement.return_reason == "请补充第 2 行的说明"
    svc.statement_submit(statement=statement, user=setup.staff)
    assert Statement.objects.get().status == St.SUBMITTED
    assert events(actions.STATEMENT_RETURNED) == 1
    assert events(actions.STATEMENT_SUBMITTED) == 2


def test_a_submitted_statement_takes_no_new_records(setup):
    statement = submitted(setup)
    with pytest.raises(ApplicationError) as refused:
        svc.statement_reconcile(
            statement=statement, user=setup.staff, file_name="m.csv", content=csv_of([])
        )
    assert refused.value.code == error_codes.TRANSITION


# -- the documents ----------------------------------------------------------------------


def test_statement_xlsx_and_pdf(setup):
    lines = confirmed(setup, 2)
    statement = build(setup)
    book = load_workbook(io.BytesIO(statement_xlsx(statement)))
    sheet = book.active
    values = [
        c for row in sheet.iter_rows(values_only=True) for c in row if c is not None
    ]
    assert statement.number in values
    assert "发票号码" in values
    for c in lines:
        assert c.invoice_number in values
    assert Decimal(str(statement.total)) in [
        Decimal(str(v)) for v in values if isinstance(v, (int, float, Decimal))
    ]
    pdf = statement_pdf(statement)
    assert pdf.startswith(b"%PDF")


def test_check_ledger_catches_a_payment_without_its_transfer(setup, manager):
    statement = submitted(setup)
    svc.statement_approve(statement=statement, user=manager)
    Payment.objects.create(
        statement=statement,
        reference="OUT-OF-BAND",
        paid_on=timezone.localdate(),
        amount=statement.total,
        recorded_by=manager,
    )
    problems = [str(v) for v in check_ledger()]
    assert any("payments add up" in p for p in problems), problems


def test_check_ledger_catches_a_statement_whose_charges_changed(setup):
    confirmed(setup, 2)
    statement = build(setup)
    Statement.objects.filter(pk=statement.pk).update(total=statement.total + 1)
    problems = [str(v) for v in check_ledger()]
    assert any(statement.number in p for p in problems), problems
