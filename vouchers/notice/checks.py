"""`manage.py check`: the holiday calendar a public notice counts its
working days with must list this year, and from December the next."""

from __future__ import annotations

from django.core import checks
from django.utils import timezone

from config.workdays import DATA, missing_years


@checks.register()
def workday_calendar(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    today = timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    return [
        checks.Warning(
            f"The holiday calendar has no entry for {year}: public notices ending "
            "then count weekends and the fixed-date holidays only.",
            hint=f"Add the State Council's holiday notice for {year} to config/data/{DATA.name}.",
            id="vouchers.W001",
        )
        for year in missing_years(*years)
    ]
