"""Name the site (e-mails say "Hello from <site>"); the domain comes from
DJANGO_SITE_DOMAIN and can be changed in Django admin."""

import os

from django.db import migrations

NAME = "浙江省算力券·模型券服务平台"


def forwards(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = os.environ.get("DJANGO_SITE_DOMAIN", "127.0.0.1:8000")
    Site.objects.update_or_create(pk=1, defaults={"domain": domain, "name": NAME})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
