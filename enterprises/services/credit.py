"""The list of seriously dishonest entities (严重失信主体名单): import and lookup."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError

from ..models import DishonestEntity
from ..uscc import validate_uscc

CSV_COLUMNS = ("uscc", "name", "listed_on", "removed_on", "authority", "reference")
REQUIRED_COLUMNS = ("uscc", "name", "listed_on")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def upsert(
        self, model: type[models.Model], entry: models.Model | None, row: dict
    ) -> None:
        """One imported row: created when there is no ``entry`` yet, else
        the entry brought to it (saved only when something differs); counted."""
        if entry is None:
            model._default_manager.create(**row)
            self.created += 1
            return
        changes = {k: v for k, v in row.items() if getattr(entry, k) != v}
        if not changes:
            self.unchanged += 1
            return
        for k, v in changes.items():
            setattr(entry, k, v)
        entry.save()
        self.updated += 1

    def audited(self, *, content: bytes, rows: list[dict], source: str) -> dict:
        """What an import's audit event keeps: the file's digest, its rows
        and what they did."""
        return {
            "sha256": hashlib.sha256(content).hexdigest(),
            "rows": len(rows),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "source": source,
        }


def _parse_date(raw: str, line: int, column: str, errors: list[str]) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        errors.append(
            _("Line %(line)d: %(column)s “%(value)s” is not a date (YYYY-MM-DD).")
            % {"line": line, "column": column, "value": raw}
        )
    return value


def parse_dishonest_csv(content: bytes) -> tuple[list[dict], list[str]]:
    """Rows and errors of a CSV (UTF-8, with or without BOM; header row with
    at least uscc, name, listed_on)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text.")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            _("The header row lacks the columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        ]
    rows, errors = [], []
    for line, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            uscc = validate_uscc(raw.get("uscc", ""))
        except ValidationError as exc:
            errors.append(
                _("Line %(line)d: %(message)s")
                % {"line": line, "message": exc.messages[0]}
            )
            continue
        if not raw.get("name"):
            errors.append(_("Line %(line)d: the name is missing.") % {"line": line})
            continue
        listed_on = _parse_date(raw.get("listed_on", ""), line, "listed_on", errors)
        removed_on = _parse_date(raw.get("removed_on", ""), line, "removed_on", errors)
        if listed_on is None:
            if raw.get("listed_on", "") == "":
                errors.append(
                    _("Line %(line)d: listed_on is missing.") % {"line": line}
                )
            continue
        if removed_on is not None and removed_on < listed_on:
            errors.append(
                _("Line %(line)d: removed_on is before listed_on.") % {"line": line}
            )
            continue
        rows.append(
            {
                "uscc": uscc,
                "name": raw["name"][:200],
                "listed_on": listed_on,
                "removed_on": removed_on,
                "authority": raw.get("authority", "")[:200],
                "reference": raw.get("reference", "")[:200],
            }
        )
    return rows, errors


@transaction.atomic
def dishonest_list_import(
    *, content: bytes, actor: User | None = None, source: str = ""
) -> ImportResult:
    """Import a CSV of the list. All or nothing: any bad line refuses the file."""
    rows, errors = parse_dishonest_csv(content)
    if errors:
        raise ApplicationError("\n".join(errors[:50]), code="invalid_rows")
    if not rows:
        raise ApplicationError(_("The file has no rows."), code="empty")
    result = ImportResult()
    for row in rows:
        entry = DishonestEntity.objects.filter(
            uscc=row["uscc"], listed_on=row["listed_on"]
        ).first()
        result.upsert(DishonestEntity, entry, row)
    audit_event_record(
        action=actions.DISHONEST_LIST_IMPORTED,
        actor=actor,
        object_type="enterprises.dishonestentity",
        object_repr=source[:255],
        after=result.audited(content=content, rows=rows, source=source),
    )
    return result
