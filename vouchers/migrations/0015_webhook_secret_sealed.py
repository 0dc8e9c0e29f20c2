"""Webhook signing secrets are sealed at rest (config.sealing): each stored
secret is sealed into ``secret_sealed`` and the clear column is dropped."""

from django.db import migrations, models

from config.sealing import seal, unseal


def seal_secrets(apps, schema_editor):
    Endpoint = apps.get_model("vouchers", "WebhookEndpoint")
    for endpoint in Endpoint.objects.only("pk", "secret"):
        Endpoint.objects.filter(pk=endpoint.pk).update(secret_sealed=seal(endpoint.secret))


def unseal_secrets(apps, schema_editor):
    Endpoint = apps.get_model("vouchers", "WebhookEndpoint")
    for endpoint in Endpoint.objects.only("pk", "secret_sealed"):
        Endpoint.objects.filter(pk=endpoint.pk).update(
            secret=unseal(endpoint.secret_sealed)
        )


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0014_redemption_unit_code")]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_sealed",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(max_length=100, default=""),
        ),
        migrations.RunPython(seal_secrets, unseal_secrets),
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
    ]
