"""The chain's tables are append-only like the events, and TRUNCATE of all
three is refused on PostgreSQL. Events recorded before the chain existed
wait to be sealed, oldest first."""

from django.db import migrations

from audits import append_only

APPEND_ONLY = [
    ("audits_chainlink", "audits_chainlink"),
    ("audits_chaincheckpoint", "audits_checkpoint"),
]
NO_TRUNCATE = [("audits_auditevent", "audits_event"), *APPEND_ONLY]


def up(apps, schema_editor):
    for table, name in APPEND_ONLY:
        append_only.install(schema_editor, table, name)
    for table, name in NO_TRUNCATE:
        append_only.install_no_truncate(schema_editor, table, name)
    schema_editor.execute(
        "INSERT INTO audits_pendingseal (event_id) SELECT id FROM audits_auditevent"
    )


def down(apps, schema_editor):
    schema_editor.execute("DELETE FROM audits_pendingseal")
    for table, name in NO_TRUNCATE:
        append_only.remove_no_truncate(schema_editor, table, name)
    for table, name in APPEND_ONLY:
        append_only.remove(schema_editor, table, name)


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_chain")]

    operations = [migrations.RunPython(up, down)]
