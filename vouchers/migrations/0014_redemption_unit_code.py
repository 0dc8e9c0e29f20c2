"""A charge keeps its offering's unit as a code (shown in the reader's
language) instead of the label in the language of whoever charged; for
"other", the provider's own words go to unit_other."""

from django.db import migrations, models

# The labels charges were stored with, in both languages, by unit code.
LABELS = {
    "gpu_card_hour": ("GPU card-hour", "GPU卡时"),
    "thousand_tokens": ("1,000 tokens", "千tokens"),
    "api_call": ("API call", "API调用（次）"),
    "deployment_month": ("Month of deployment", "按月部署"),
}
CODE_OF = {label: code for code, labels in LABELS.items() for label in labels}


def to_codes(apps, schema_editor):
    Redemption = apps.get_model("vouchers", "Redemption")
    for text in Redemption.objects.values_list("unit", flat=True).distinct():
        if text in LABELS:
            continue
        if text in CODE_OF:
            Redemption.objects.filter(unit=text).update(unit=CODE_OF[text])
        else:
            Redemption.objects.filter(unit=text).update(unit="other", unit_other=text)


def to_labels(apps, schema_editor):
    Redemption = apps.get_model("vouchers", "Redemption")
    for code, (_en, zh) in LABELS.items():
        Redemption.objects.filter(unit=code).update(unit=zh)
    Redemption.objects.filter(unit="other").update(unit=models.F("unit_other"))


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0013_reimbursement_payment"),
    ]

    operations = [
        migrations.AddField(
            model_name="redemption",
            name="unit_other",
            field=models.CharField(
                blank=True, max_length=50, verbose_name="unit (if other)"
            ),
        ),
        migrations.RunPython(to_codes, to_labels),
        migrations.AlterField(
            model_name="redemption",
            name="unit",
            field=models.CharField(
                choices=[
                    ("gpu_card_hour", "GPU card-hour"),
                    ("thousand_tokens", "1,000 tokens"),
                    ("api_call", "API call"),
                    ("deployment_month", "Month of deployment"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="unit",
            ),
        ),
    ]
