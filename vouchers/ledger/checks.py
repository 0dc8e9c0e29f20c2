"""Every invariant of the ledger, checked against the transfers and the
redemption records (``manage.py check_ledger``).

Each check is one aggregating SQL query that returns only the rows that
break it, so the time grows with the number of transfers, not with a loop
over accounts in Python (see docs/benchmarks.md). Amounts are compared
rounded to the fen: SQLite (the demo) sums decimals as floating point.
"""

# The only text put into the SQL is the models' table names (from _meta);
# every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from config.money import quantize

from ..models import (
    Clawback,
    ClawbackRepayment,
    LedgerAccount,
    LedgerTransfer,
    Notice,
    Payment,
    ProgramVersion,
    Redemption,
    Reimbursement,
    Statement,
    Voucher,
)
from ..models.ledger import EXTERNAL_KINDS
from ..models.redemption import HELD_STATUSES
from ..models.reimbursement import WITH_VERIFIED_AMOUNT

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
R = Redemption.Status

ACCOUNTS = LedgerAccount._meta.db_table
TRANSFERS = LedgerTransfer._meta.db_table
VOUCHERS = Voucher._meta.db_table
REDEMPTIONS = Redemption._meta.db_table
STATEMENTS = Statement._meta.db_table
PAYMENTS = Payment._meta.db_table
REIMBURSEMENTS = Reimbursement._meta.db_table
CLAWBACKS = Clawback._meta.db_table
REPAYMENTS = ClawbackRepayment._meta.db_table
NOTICES = Notice._meta.db_table


@dataclass(frozen=True)
class Violation:
    what: str

    def __str__(self) -> str:
        return self.what


def _rows(sql: str, params: list[Any] | None = None) -> Iterator[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        yield from cursor.fetchall()


def _fen(value: Any) -> Decimal:
    return quantize(Decimal(str(value if value is not None else 0)))


def check_ledger() -> list[Violation]:
    """Every invariant of the ledger; an empty list when all hold."""
    return [
        *_cached_balances(),
        *_negative_balances(),
        *_programs_balance(),
        *_transfers_move_something(),
        *_vouchers_add_up(),
        *_providers_add_up(),
        *_payments_add_up(),
        *_enterprises_add_up(),
        *_closed_vouchers_released(),
        *_clawbacks_add_up(),
        *_notices_add_up(),
        *_quotas_follow_the_versions(),
    ]


def _cached_balances() -> Iterator[Violation]:
    """Each account's cached balance is what its transfers give."""
    sql = f"""
        WITH moves AS (
            SELECT credit_id AS account_id, amount FROM {TRANSFERS}
            UNION ALL
            SELECT debit_id, -amount FROM {TRANSFERS}
        ), derived AS (
            SELECT account_id, SUM(amount) AS total FROM moves GROUP BY account_id
        )
        SELECT a.id, a.kind, a.balance, COALESCE(d.total, 0)
        FROM {ACCOUNTS} a LEFT JOIN derived d ON d.account_id = a.id
        WHERE ROUND(a.balance, 2) <> ROUND(COALESCE(d.total, 0), 2)
        ORDER BY a.id
    """
    for pk, kind, balance, derived in _rows(sql):
        yield Violation(
            f"account {pk} ({kind}): cached balance {_fen(balance)} but transfers "
            f"give {_fen(derived)}"
        )


def _negative_balances() -> Iterator[Violation]:
    sql = f"""
        SELECT id, kind, balance FROM {ACCOUNTS}
        WHERE kind NOT IN (%s, %s) AND ROUND(balance, 2) < 0 ORDER BY id
    """
    for pk, kind, balance in _rows(sql, list(EXTERNAL_KINDS)):
        yield Violation(f"account {pk} ({kind}) is negative: {_fen(balance)}")


def _programs_balance() -> Iterator[Violation]:
    """Money only moves inside a program: its balances add up to zero."""
    sql = f"""
        SELECT program_id, SUM(balance) FROM {ACCOUNTS}
        GROUP BY program_id HAVING ROUND(SUM(balance), 2) <> 0 ORDER BY program_id
    """
    for program_id, total in _rows(sql):
        yield Violation(
            f"program {program_id}: balances add up to {_fen(total)}, not 0 (appropriated ≠ "
            "budget + reserved + vouchers + held + payable + paid out + released, or "
            "repaid ≠ recovered)"
        )


def _transfers_move_something() -> Iterator[Violation]:
    sql = f"SELECT COUNT(*) FROM {TRANSFERS} WHERE amount <= 0 OR debit_id = credit_id"
    for (count,) in _rows(sql):
        if count:
            yield Violation(
                f"{count} transfer(s) with a non-positive amount or one account"
            )


def _vouchers_add_up() -> Iterator[Violation]:
    """For every voucher: its face value was issued into it, and
    face value = remaining + held + confirmed + released; what the ledger
    holds and has confirmed is what the charges say."""
    sql = f"""
        WITH
        issued AS (
            SELECT credit_id AS account_id, SUM(amount) AS total FROM {TRANSFERS}
            WHERE kind = %s GROUP BY credit_id
        ),
        confirmed AS (
            SELECT debit_id AS account_id, SUM(amount) AS total FROM {TRANSFERS}
            WHERE kind IN (%s, %s) GROUP BY debit_id
        ),
        released AS (
            SELECT debit_id AS account_id, SUM(amount) AS total FROM {TRANSFERS}
            WHERE kind NOT IN (%s, %s) GROUP BY debit_id
        ),
        charges AS (
            SELECT voucher_id, SUM(held) AS held, SUM(confirmed) AS confirmed
            FROM (
                SELECT voucher_id,
                    CASE WHEN status IN (%s, %s) THEN amount ELSE 0 END AS held,
                    CASE WHEN status = %s THEN amount ELSE 0 END AS confirmed
                FROM {REDEMPTIONS}
                UNION ALL
                SELECT voucher_id,
                    CASE WHEN status = %s THEN amount ELSE 0 END,
                    CASE WHEN status IN (%s, %s) THEN verified_amount ELSE 0 END
                FROM {REIMBURSEMENTS}
            ) used GROUP BY voucher_id
        ),
        parts AS (
            SELECT v.code, v.face_value,
                COALESCE(i.total, 0) AS issued,
                COALESCE(va.balance, 0) AS remaining,
                COALESCE(ha.balance, 0) AS held,
                COALESCE(c.total, 0) AS confirmed,
                COALESCE(r.total, 0) AS released,
                COALESCE(ch.held, 0) AS charges_held,
                COALESCE(ch.confirmed, 0) AS charges_confirmed
            FROM {VOUCHERS} v
            LEFT JOIN {ACCOUNTS} va ON va.voucher_id = v.id AND va.kind = %s
            LEFT JOIN {ACCOUNTS} ha ON ha.voucher_id = v.id AND ha.kind = %s
            LEFT JOIN issued i ON i.account_id = va.id
            LEFT JOIN released r ON r.account_id = va.id
            LEFT JOIN confirmed c ON c.account_id = ha.id
            LEFT JOIN charges ch ON ch.voucher_id = v.id
        )
        SELECT code, face_value, issued, remaining, held, confirmed, released,
               charges_held, charges_confirmed
        FROM parts
        WHERE ROUND(face_value, 2) <> ROUND(issued, 2)
           OR ROUND(face_value, 2) <> ROUND(remaining + held + confirmed + released, 2)
           OR ROUND(held, 2) <> ROUND(charges_held, 2)
           OR ROUND(confirmed, 2) <> ROUND(charges_confirmed, 2)
        ORDER BY code
    """
    params: list[str] = [T.VOUCHER_ISSUED, T.CHARGE_CONFIRMED, T.REIMBURSEMENT_VERIFIED]
    params += [T.CHARGE_HELD, T.REIMBURSEMENT_HELD, *HELD_STATUSES, R.CONFIRMED]
    params += [Reimbursement.Status.SUBMITTED, *WITH_VERIFIED_AMOUNT]
    params += [K.VOUCHER, K.HELD]
    for row in _rows(sql, params):
        code = row[0]
        face, issued, remaining, held, confirmed, released, c_held, c_confirmed = map(
            _fen, row[1:]
        )
        if face != issued:
            yield Violation(
                f"voucher {code}: face value {face} but {issued} was issued into it"
            )
        elif face != remaining + held + confirmed + released:
            yield Violation(
                f"voucher {code}: face value {face} ≠ remaining {remaining} + held "
                f"{held} + confirmed {confirmed} + released {released}"
            )
        if held != c_held:
            yield Violation(
                f"voucher {code}: {held} held in the ledger but its pending and "
                f"disputed charges and reimbursements under review add up to {c_held}"
            )
        if confirmed != c_confirmed:
            yield Violation(
                f"voucher {code}: {confirmed} confirmed in the ledger but its "
                f"confirmed charges and verified reimbursements add up to {c_confirmed}"
            )


def _providers_add_up() -> Iterator[Violation]:
    """For every provider and program: payable + paid out = its confirmed
    charges."""
    sql = f"""
        WITH
        charges AS (
            SELECT program_id, provider_id, SUM(amount) AS total FROM {REDEMPTIONS}
            WHERE status = %s GROUP BY program_id, provider_id
        ),
        ledger AS (
            SELECT program_id, provider_id, SUM(balance) AS total FROM {ACCOUNTS}
            WHERE provider_id IS NOT NULL AND kind IN (%s, %s)
            GROUP BY program_id, provider_id
        ),
        pairs AS (
            SELECT program_id, provider_id FROM charges
            UNION
            SELECT program_id, provider_id FROM ledger
        )
        SELECT p.program_id, p.provider_id, COALESCE(l.total, 0), COALESCE(c.total, 0)
        FROM pairs p
        LEFT JOIN charges c
            ON c.program_id = p.program_id AND c.provider_id = p.provider_id
        LEFT JOIN ledger l
            ON l.program_id = p.program_id AND l.provider_id = p.provider_id
        WHERE ROUND(COALESCE(l.total, 0), 2) <> ROUND(COALESCE(c.total, 0), 2)
        ORDER BY p.program_id, p.provider_id
    """
    for program_id, provider_id, ledger, charges in _rows(
        sql, [R.CONFIRMED, K.PROVIDER_PAYABLE, K.PAID_OUT]
    ):
        yield Violation(
            f"provider {provider_id} in program {program_id}: payable + paid out "
            f"{_fen(ledger)} but its confirmed charges add up to {_fen(charges)}"
        )


def _payments_add_up() -> Iterator[Violation]:
    """For every provider and program: paid out = its recorded payments, and
    every statement's total = its charges."""
    sql = f"""
        WITH
        payments AS (
            SELECT s.program_id, s.provider_id, SUM(p.amount) AS total
            FROM {PAYMENTS} p JOIN {STATEMENTS} s ON s.id = p.statement_id
            GROUP BY s.program_id, s.provider_id
        ),
        ledger AS (
            SELECT program_id, provider_id, SUM(balance) AS total FROM {ACCOUNTS}
            WHERE provider_id IS NOT NULL AND kind = %s
            GROUP BY program_id, provider_id
        ),
        pairs AS (
            SELECT program_id, provider_id FROM payments
            UNION
            SELECT program_id, provider_id FROM ledger
        )
        SELECT p.program_id, p.provider_id, COALESCE(l.total, 0), COALESCE(y.total, 0)
        FROM pairs p
        LEFT JOIN payments y
            ON y.program_id = p.program_id AND y.provider_id = p.provider_id
        LEFT JOIN ledger l
            ON l.program_id = p.program_id AND l.provider_id = p.provider_id
        WHERE ROUND(COALESCE(l.total, 0), 2) <> ROUND(COALESCE(y.total, 0), 2)
        ORDER BY p.program_id, p.provider_id
    """
    for program_id, provider_id, ledger, paid in _rows(sql, [K.PAID_OUT]):
        yield Violation(
            f"provider {provider_id} in program {program_id}: paid out {_fen(ledger)} "
            f"but its payments add up to {_fen(paid)}"
        )
    sql = f"""
        SELECT s.number, s.total, COALESCE(SUM(r.amount), 0), s.charge_count, COUNT(r.id)
        FROM {STATEMENTS} s LEFT JOIN {REDEMPTIONS} r ON r.statement_id = s.id
        GROUP BY s.id, s.number, s.total, s.charge_count
        HAVING ROUND(s.total, 2) <> ROUND(COALESCE(SUM(r.amount), 0), 2)
            OR s.charge_count <> COUNT(r.id)
        ORDER BY s.id
    """
    for number, total, charges, count, lines in _rows(sql):
        yield Violation(
            f"statement {number}: total {_fen(total)} for {count} charge(s), but "
            f"its charges add up to {_fen(charges)} for {lines}"
        )


def _enterprises_add_up() -> Iterator[Violation]:
    """For every voucher: what is payable to its enterprise = its verified
    reimbursements not yet paid, and what was paid to it = its paid ones."""
    sql = f"""
        WITH
        verified AS (
            SELECT voucher_id, SUM(verified_amount) AS total FROM {REIMBURSEMENTS}
            WHERE status = %s GROUP BY voucher_id
        ),
        ledger AS (
            SELECT voucher_id, SUM(balance) AS total FROM {ACCOUNTS}
            WHERE kind = %s GROUP BY voucher_id
        ),
        vouchers AS (
            SELECT voucher_id FROM verified UNION SELECT voucher_id FROM ledger
        )
        SELECT v.code, COALESCE(l.total, 0), COALESCE(r.total, 0)
        FROM vouchers x
        JOIN {VOUCHERS} v ON v.id = x.voucher_id
        LEFT JOIN verified r ON r.voucher_id = x.voucher_id
        LEFT JOIN ledger l ON l.voucher_id = x.voucher_id
        WHERE ROUND(COALESCE(l.total, 0), 2) <> ROUND(COALESCE(r.total, 0), 2)
        ORDER BY v.code
    """
    pairs = (
        (
            Reimbursement.Status.VERIFIED,
            K.ENTERPRISE_PAYABLE,
            "payable to the enterprise",
            "verified reimbursements not yet paid",
        ),
        (
            Reimbursement.Status.PAID,
            K.ENTERPRISE_PAID,
            "paid to the enterprise",
            "paid reimbursements",
        ),
    )
    for status, kind, account_label, claims_label in pairs:
        for code, ledger, verified in _rows(sql, [status, kind]):
            yield Violation(
                f"voucher {code}: {_fen(ledger)} {account_label} but its "
                f"{claims_label} add up to {_fen(verified)}"
            )


def _closed_vouchers_released() -> Iterator[Violation]:
    """An expired or revoked voucher has nothing left to spend (it went
    back to the budget); an active one has released nothing."""
    sql = f"""
        WITH released AS (
            SELECT debit_id AS account_id, SUM(amount) AS total FROM {TRANSFERS}
            WHERE kind = %s GROUP BY debit_id
        )
        SELECT v.code, v.status, a.balance, COALESCE(r.total, 0)
        FROM {VOUCHERS} v
        JOIN {ACCOUNTS} a ON a.voucher_id = v.id AND a.kind = %s
        LEFT JOIN released r ON r.account_id = a.id
        WHERE (v.status <> %s AND ROUND(a.balance, 2) <> 0)
           OR (v.status = %s AND ROUND(COALESCE(r.total, 0), 2) <> 0)
        ORDER BY v.code
    """
    active = Voucher.Status.ACTIVE
    for code, status, balance, released in _rows(
        sql, [T.VOUCHER_RELEASED, K.VOUCHER, active, active]
    ):
        if status == active:
            yield Violation(
                f"voucher {code} is active but released {_fen(released)} to the budget"
            )
        else:
            yield Violation(
                f"voucher {code} is {status} but {_fen(balance)} is left on it"
            )


def _clawbacks_add_up() -> Iterator[Violation]:
    """Each clawback's repaid amount is its repayments, and each program's
    recovered account is the repayments of its clawbacks."""
    sql = f"""
        WITH paid AS (
            SELECT clawback_id, SUM(amount) AS total FROM {REPAYMENTS}
            GROUP BY clawback_id
        )
        SELECT c.id, c.repaid, COALESCE(p.total, 0) FROM {CLAWBACKS} c
        LEFT JOIN paid p ON p.clawback_id = c.id
        WHERE ROUND(c.repaid, 2) <> ROUND(COALESCE(p.total, 0), 2)
        ORDER BY c.id
    """
    for pk, repaid, paid in _rows(sql):
        yield Violation(
            f"clawback {pk}: {_fen(repaid)} repaid but its repayments add up to "
            f"{_fen(paid)}"
        )
    sql = f"""
        WITH paid AS (
            SELECT c.program_id, SUM(r.amount) AS total FROM {REPAYMENTS} r
            JOIN {CLAWBACKS} c ON c.id = r.clawback_id GROUP BY c.program_id
        ),
        ledger AS (
            SELECT program_id, SUM(balance) AS total FROM {ACCOUNTS}
            WHERE kind = %s GROUP BY program_id
        ),
        programs AS (SELECT program_id FROM paid UNION SELECT program_id FROM ledger)
        SELECT x.program_id, COALESCE(l.total, 0), COALESCE(p.total, 0)
        FROM programs x
        LEFT JOIN paid p ON p.program_id = x.program_id
        LEFT JOIN ledger l ON l.program_id = x.program_id
        WHERE ROUND(COALESCE(l.total, 0), 2) <> ROUND(COALESCE(p.total, 0), 2)
        ORDER BY x.program_id
    """
    for program_id, ledger, paid in _rows(sql, [K.RECOVERED]):
        yield Violation(
            f"program {program_id}: {_fen(ledger)} recovered in the ledger but its "
            f"clawback repayments add up to {_fen(paid)}"
        )


def _notices_add_up() -> Iterator[Violation]:
    """Each public notice reserved its amount; what is still reserved for
    it is its amount while it runs and nothing once it ended; and each
    program's reserved accounts hold what its running notices reserved."""
    sql = f"""
        WITH moves AS (
            SELECT reference_id,
                   SUM(CASE WHEN kind = %s THEN amount ELSE 0 END) AS reserved,
                   SUM(CASE WHEN kind = %s THEN amount ELSE 0 END) AS released
            FROM {TRANSFERS}
            WHERE reference_type = %s AND kind IN (%s, %s)
            GROUP BY reference_id
        )
        SELECT n.id, n.status, n.amount, COALESCE(m.reserved, 0),
               COALESCE(m.released, 0)
        FROM {NOTICES} n LEFT JOIN moves m ON m.reference_id = CAST(n.id AS VARCHAR(64))
        WHERE ROUND(COALESCE(m.reserved, 0), 2) <> ROUND(n.amount, 2)
           OR ROUND(COALESCE(m.reserved, 0) - COALESCE(m.released, 0), 2)
              <> CASE WHEN n.status = %s THEN ROUND(n.amount, 2) ELSE 0 END
        ORDER BY n.id
    """
    reserved, released = T.NOTICE_RESERVED, T.NOTICE_RELEASED
    params = [reserved, released, Notice._meta.label_lower, reserved, released]
    running = Notice.Status.IN_NOTICE
    for pk, status, amount, took, gave in _rows(sql, [*params, running]):
        yield Violation(
            f"notice {pk} ({status}, {_fen(amount)}): reserved {_fen(took)}, "
            f"gave back {_fen(gave)}"
        )
    sql = f"""
        WITH held AS (
            SELECT program_id, SUM(balance) AS total FROM {ACCOUNTS}
            WHERE kind = %s GROUP BY program_id
        ), running AS (
            SELECT program_id, SUM(amount) AS total FROM {NOTICES}
            WHERE status = %s GROUP BY program_id
        )
        SELECT COALESCE(h.program_id, r.program_id), COALESCE(h.total, 0),
               COALESCE(r.total, 0)
        FROM held h FULL OUTER JOIN running r ON r.program_id = h.program_id
        WHERE ROUND(COALESCE(h.total, 0), 2) <> ROUND(COALESCE(r.total, 0), 2)
    """
    for program_id, held, owed in _rows(sql, [K.RESERVED, running]):
        yield Violation(
            f"program {program_id}: reserved accounts hold {_fen(held)}, running "
            f"notices reserved {_fen(owed)}"
        )


def _quotas_follow_the_versions() -> Iterator[Violation]:
    """Each division's allotment (allotted less cut back, moves left out)
    is its quota in the program's latest version, for every program whose
    budget was appropriated; and each program's quotas, unused and drawn,
    roll up with the shared budget to what the program holds (the zero-sum
    check over all accounts proves that part)."""
    sql = f"""
        SELECT a.program_id, a.region_id,
               SUM(CASE WHEN t.kind = %s AND t.credit_id = a.id THEN t.amount
                        WHEN t.kind = %s AND t.debit_id = a.id THEN -t.amount
                        ELSE 0 END)
        FROM {ACCOUNTS} a JOIN {TRANSFERS} t ON t.credit_id = a.id OR t.debit_id = a.id
        WHERE a.kind = %s
        GROUP BY a.program_id, a.region_id
    """
    allotted: dict[int, dict[str, Decimal]] = {}
    for program_id, region, total in _rows(
        sql, [T.QUOTA_ALLOCATED, T.QUOTA_RETURNED, K.QUOTA]
    ):
        allotted.setdefault(program_id, {})[region] = _fen(total)
    funded = set(
        LedgerAccount.objects.filter(kind=K.FUNDING).values_list(
            "program_id", flat=True
        )
    )
    latest: dict[int, ProgramVersion] = {}
    for row in ProgramVersion.objects.filter(program_id__in=funded).order_by(
        "program_id", "number"
    ):
        latest[row.program_id] = row
    for program_id in sorted(funded | set(allotted)):
        last = latest.get(program_id)
        quotas = last.parsed().quotas if last is not None else {}
        given = allotted.get(program_id, {})
        for region in sorted(set(quotas) | set(given)):
            want = _fen(quotas.get(region, 0))
            have = given.get(region, _fen(0))
            if want != have:
                yield Violation(
                    f"program {program_id}: {region} was allotted {have}, its quota "
                    f"is {want}"
                )
