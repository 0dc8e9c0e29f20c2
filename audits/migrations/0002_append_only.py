"""The database refuses UPDATE and DELETE on audit events.

TRUNCATE stays possible for the table owner (the test runner empties tables
that way); production should connect as a role that does not own the table.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audits_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audits_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audits_event_no_update_delete
    BEFORE UPDATE OR DELETE ON audits_auditevent
    FOR EACH ROW EXECUTE FUNCTION audits_event_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audits_event_no_update_delete ON audits_auditevent;
DROP FUNCTION IF EXISTS audits_event_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER audits_event_no_update BEFORE UPDATE ON audits_auditevent
       BEGIN SELECT RAISE(ABORT, 'audits_auditevent is append-only'); END;""",
    """CREATE TRIGGER audits_event_no_delete BEFORE DELETE ON audits_auditevent
       BEGIN SELECT RAISE(ABORT, 'audits_auditevent is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audits_event_no_update;",
    "DROP TRIGGER IF EXISTS audits_event_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
