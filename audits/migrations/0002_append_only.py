"""The database refuses UPDATE and DELETE on audit events.

TRUNCATE stays possible for the table owner (the test runner empties tables
that way); production should connect as a role that does not own the table.
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
