"""The database refuses UPDATE and DELETE on audit events.

TRUNCATE is refused from 0004 on (PostgreSQL). Production should still
connect as a role that does not own the table: an owner can drop a trigger.
"""

from django.db import migrations

from audits import append_only

TABLE, NAME = "audits_auditevent", "audits_event"


def up(apps, schema_editor):
    append_only.install(schema_editor, TABLE, NAME)


def down(apps, schema_editor):
    append_only.remove(schema_editor, TABLE, NAME)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
