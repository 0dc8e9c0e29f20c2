"""Names of Zhejiang's divisions from the reference data the regions are
loaded from (enterprises/data/zhejiang_divisions.csv), for text that must
not query the database (parameters in words)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data" / "zhejiang_divisions.csv"


@cache
def _names() -> dict[str, tuple[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return {
            row["code"]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(fh)
        }


def division_name(code: str) -> str:
    """The division's name in the current language, or its code if unknown."""
    names = _names().get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "").startswith("en") else names[0]
