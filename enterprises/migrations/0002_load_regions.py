"""Load the administrative divisions of Zhejiang shipped in enterprises/data/."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "zhejiang_divisions.csv"


def load(apps, schema_editor):
    Region = apps.get_model("enterprises", "Region")
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # Parents first: province, cities, counties.
    order = {"province": 0, "city": 1, "county": 2}
    for row in sorted(rows, key=lambda r: order[r["level"]]):
        Region.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "level": row["level"],
                "parent_id": row["parent"] or None,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
