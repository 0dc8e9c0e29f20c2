"""config.db.violates reads a unique violation the same way on PostgreSQL
(the constraint's name) and on SQLite (the columns, the demo's database)."""

from types import SimpleNamespace

from django.db import IntegrityError

from config.db import violates

COLUMNS = ("provider_id", "contract_number")


class _DriverError(Exception):
    """What psycopg raises: the violated constraint in ``diag``."""

    def __init__(self, constraint: str):
        super().__init__("duplicate key value violates unique constraint")
        self.diag = SimpleNamespace(constraint_name=constraint)


def _postgres(constraint: str) -> IntegrityError:
    exc = IntegrityError("duplicate key value violates unique constraint")
    exc.__cause__ = _DriverError(constraint)
    return exc


def test_postgresql_errors_are_told_apart_by_the_constraint_name():
    assert violates(_postgres("one_claim"), "one_claim", columns=COLUMNS)
    assert not violates(_postgres("number_key"), "one_claim", columns=COLUMNS)


def test_sqlite_errors_are_told_apart_by_the_columns():
    contract = IntegrityError(
        "UNIQUE constraint failed: vouchers_application.provider_id, "
        "vouchers_application.contract_number"
    )
    number = IntegrityError("UNIQUE constraint failed: vouchers_application.number")
    check = IntegrityError("CHECK constraint failed: application_status_valid")
    assert violates(contract, "one_claim", columns=COLUMNS)
    assert not violates(number, "one_claim", columns=COLUMNS)
    assert not violates(check, "one_claim", columns=COLUMNS)
