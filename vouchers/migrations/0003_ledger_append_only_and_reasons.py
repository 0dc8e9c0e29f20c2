"""Ledger transfers are never updated or deleted (the database refuses it),
and the configurable list of rejection reasons starts with the usual ones."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION vouchers_transfer_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'vouchers_ledgertransfer is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER vouchers_transfer_no_update_delete
    BEFORE UPDATE OR DELETE ON vouchers_ledgertransfer
    FOR EACH ROW EXECUTE FUNCTION vouchers_transfer_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS vouchers_transfer_no_update_delete ON vouchers_ledgertransfer;
DROP FUNCTION IF EXISTS vouchers_transfer_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER vouchers_transfer_no_update BEFORE UPDATE ON vouchers_ledgertransfer
       BEGIN SELECT RAISE(ABORT, 'vouchers_ledgertransfer is append-only'); END;""",
    """CREATE TRIGGER vouchers_transfer_no_delete BEFORE DELETE ON vouchers_ledgertransfer
       BEGIN SELECT RAISE(ABORT, 'vouchers_ledgertransfer is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS vouchers_transfer_no_update;",
    "DROP TRIGGER IF EXISTS vouchers_transfer_no_delete;",
]

REASONS = [
    ("not-eligible", "不符合申报条件", "Does not meet the program's conditions"),
    ("documents-incomplete", "申报材料不齐全", "Documents missing or incomplete"),
    ("documents-inconsistent", "材料与申报内容不一致", "Documents do not match the application"),
    ("related-party", "申报企业与服务商存在关联关系", "Applicant and provider are related parties"),
    ("duplicate-claim", "重复申报", "Already claimed elsewhere (duplicate)"),
    ("price-unreasonable", "合同价格明显偏离市场价", "Contract price far from the market price"),
    ("other", "其他（见说明）", "Other (see the note)"),
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)
    Reason = apps.get_model("vouchers", "RejectionReason")
    for code, zh, en in REASONS:
        Reason.objects.update_or_create(code=code, defaults={"label_zh": zh, "label_en": en})


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0002_applications_ledger")]

    operations = [migrations.RunPython(up, down)]
