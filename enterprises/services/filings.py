"""The published list of filed generative-AI services (生成式人工智能服务已备案信息):
import from CSV, as the dishonesty list is imported (services.credit).

All or nothing: any bad line refuses the whole file, with every bad line
named. Idempotent: entries are matched by their filing number (its
``filings.filing_key``), so importing the same file again changes nothing,
and a later list updates what changed (a revocation date, a corrected
name). The published list grows; an entry missing from a later file is kept
as it was (a filing ends by its revocation date, not by being left out).
"""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audits import actions
from audits.services import audit_event_record
from config.exceptions import ApplicationError

from ..filings import filing_date, filing_key, validate_filing_number
from ..models import GenAIFiling
from .credit import ImportResult, _parse_date

CSV_COLUMNS = (
    "filing_number",
    "model_name",
    "filer_name",
    "region",
    "filed_on",
    "revoked_on",
)
REQUIRED_COLUMNS = ("filing_number", "model_name")
# The columns as the Cyberspace Administration's published tables name them.
HEADER_ALIASES = {
    "备案号": "filing_number",
    "备案编号": "filing_number",
    "模型名称": "model_name",
    "备案单位": "filer_name",
    "属地": "region",
    "备案时间": "filed_on",
    "备案日期": "filed_on",
    "注销时间": "revoked_on",
    "注销日期": "revoked_on",
}


def _header(name: str | None) -> str:
    name = (name or "").strip()
    return HEADER_ALIASES.get(name, name)


def parse_filing_csv(content: bytes) -> tuple[list[dict], list[str]]:
    """Rows and errors of a CSV (UTF-8, with or without BOM; a header row
    with at least filing_number and model_name, or the published Chinese
    names 备案号 and 模型名称)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text.")]
    reader = csv.DictReader(io.StringIO(text))
    header = [_header(h) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            _("The header row lacks the columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        ]
    rows: list[dict] = []
    errors: list[str] = []
    lines: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        raw = {_header(k): (v or "").strip() for k, v in raw.items() if k}
        if not any(raw.values()):
            continue  # a blank line
        try:
            number = validate_filing_number(raw.get("filing_number", ""))
        except ValidationError as exc:
            errors.append(
                _("Line %(line)d: %(message)s")
                % {"line": line, "message": exc.messages[0]}
            )
            continue
        key = filing_key(number)
        if key in lines:
            errors.append(
                _("Line %(line)d: %(number)s is on line %(first)d already.")
                % {"line": line, "number": number, "first": lines[key]}
            )
            continue
        lines[key] = line
        if not raw.get("model_name"):
            errors.append(
                _("Line %(line)d: the model name is missing.") % {"line": line}
            )
            continue
        bad = len(errors)
        filed_on = _parse_date(raw.get("filed_on", ""), line, "filed_on", errors)
        revoked_on = _parse_date(raw.get("revoked_on", ""), line, "revoked_on", errors)
        if len(errors) > bad:
            continue
        filed_on = filed_on or filing_date(number)
        if revoked_on is not None and filed_on is not None and revoked_on < filed_on:
            errors.append(
                _("Line %(line)d: revoked_on is before filed_on.") % {"line": line}
            )
            continue
        rows.append(
            {
                "filing_number": number,
                "number_key": key,
                "model_name": raw["model_name"][:200],
                "filer_name": raw.get("filer_name", "")[:200],
                "region": raw.get("region", "")[:50],
                "filed_on": filed_on,
                "revoked_on": revoked_on,
            }
        )
    return rows, errors


@transaction.atomic
def filing_list_import(
    *, content: bytes, actor: User | None = None, source: str = ""
) -> ImportResult:
    """Import a CSV of the filing list. All or nothing: any bad line refuses
    the file; the same file again changes nothing."""
    rows, errors = parse_filing_csv(content)
    if errors:
        raise ApplicationError("\n".join(errors[:50]), code="invalid_rows")
    if not rows:
        raise ApplicationError(_("The file has no rows."), code="empty")
    result = ImportResult()
    existing = GenAIFiling.objects.select_for_update().in_bulk(
        [r["number_key"] for r in rows], field_name="number_key"
    )
    for row in rows:
        result.upsert(GenAIFiling, existing.get(row["number_key"]), row)
    audit_event_record(
        action=actions.GENAI_FILING_LIST_IMPORTED,
        actor=actor,
        object_type="enterprises.genaifiling",
        object_repr=source[:255],
        after=result.audited(content=content, rows=rows, source=source)
        | {"revoked": sum(1 for r in rows if r["revoked_on"] is not None)},
    )
    return result
