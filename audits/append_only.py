"""Database triggers that make a table append-only: UPDATE and DELETE are
refused (PostgreSQL and SQLite). The migrations that install them import
these functions; the SQL they produce must never change for a table that
has them, or an old migration would no longer say what it did.

``name`` prefixes the trigger and function names (``audits_event`` gives
``audits_event_append_only`` and ``audits_event_no_update_delete``).
"""

from __future__ import annotations


def postgres_install(table: str, name: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}_append_only();
"""


def postgres_remove(table: str, name: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {name}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {name}_append_only();
"""


def sqlite_install(table: str, name: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
        f"""CREATE TRIGGER {name}_no_delete BEFORE DELETE ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
    ]


def sqlite_remove(table: str, name: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name}_no_update;",
        f"DROP TRIGGER IF EXISTS {name}_no_delete;",
    ]


def install(schema_editor, table: str, name: str) -> None:
    """The triggers on ``table``, for the connection's database."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres_install(table, name), params=None)
    elif vendor == "sqlite":
        for sql in sqlite_install(table, name):
            schema_editor.execute(sql)


def remove(schema_editor, table: str, name: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres_remove(table, name), params=None)
    elif vendor == "sqlite":
        for sql in sqlite_remove(table, name):
            schema_editor.execute(sql)


def postgres_install_no_truncate(table: str, name: str) -> str:
    """A statement trigger that refuses TRUNCATE (PostgreSQL; SQLite has no
    TRUNCATE, and its DELETE trigger covers ``DELETE FROM`` without WHERE).
    Test databases are emptied with ``session_replication_role = replica``
    set, which only a superuser may set (tests/conftest.py)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only (TRUNCATE refused)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}_no_truncate();
"""


def postgres_remove_no_truncate(table: str, name: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {name}_no_truncate ON {table};
DROP FUNCTION IF EXISTS {name}_no_truncate();
"""


def install_no_truncate(schema_editor, table: str, name: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(postgres_install_no_truncate(table, name), params=None)


def remove_no_truncate(schema_editor, table: str, name: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(postgres_remove_no_truncate(table, name), params=None)
