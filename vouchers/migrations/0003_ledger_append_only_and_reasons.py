"""Ledger transfers are never updated or deleted (the database refuses it),
and the configurable list of rejection reasons starts with the usual ones."""

from django.db import migrations

from audits import append_only

TABLE, NAME = "vouchers_ledgertransfer", "vouchers_transfer"

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
    append_only.install(schema_editor, TABLE, NAME)
    Reason = apps.get_model("vouchers", "RejectionReason")
    for code, zh, en in REASONS:
        Reason.objects.update_or_create(code=code, defaults={"label_zh": zh, "label_en": en})


def down(apps, schema_editor):
    append_only.remove(schema_editor, TABLE, NAME)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0002_applications_ledger")]

    operations = [migrations.RunPython(up, down)]
