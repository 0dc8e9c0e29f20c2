"""State changes of reports: asked for (audited, queued), built by a worker
(each stage stored as progress, the result audited), downloaded (audited).
A report is never rebuilt: asking again makes a new number."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_role
from config.exceptions import ApplicationError
from enterprises.models import Enterprise, Provider
from vouchers.models import Program

from .. import actions
from ..models import Report
from ..permissions import AUDIT_READERS
from ..services import SYSTEM_LABEL, audit_event_record

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key of report numbering ("rpt#").
NUMBER_LOCK_KEY = 0x72707423
# The longest period of a provider reconciliation report.
MAX_PERIOD_DAYS = 366


def _next_number(year: int) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK_KEY])
    prefix = f"AR-{year}-"
    last = (
        Report.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:06d}"


@transaction.atomic
def report_request(
    *,
    kind: str,
    actor: User | None,
    program: Program | None = None,
    provider: Provider | None = None,
    enterprise: Enterprise | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Report:
    """Number and queue a report; a worker builds it after this commits.
    A program report names the program; a provider reconciliation report
    the provider and its period; an enterprise dossier the enterprise."""
    if actor is not None and not has_role(actor, *AUDIT_READERS):
        raise ApplicationError(
            _("Only program managers and auditors can ask for reports."),
            code="forbidden",
        )
    if kind not in Report.Kind.values:
        raise ApplicationError(_("Choose a kind of report."), field="kind")
    if kind == Report.Kind.PROGRAM and program is None:
        raise ApplicationError(_("Choose the program."), field="program")
    if kind == Report.Kind.PROVIDER:
        if provider is None:
            raise ApplicationError(_("Choose the provider."), field="provider")
        if period_start is None or period_end is None:
            raise ApplicationError(
                _("Give the period: its first and last day."), field="period_start"
            )
        if period_start > period_end:
            raise ApplicationError(
                _("The end date is before the start date."), field="period_end"
            )
        if (period_end - period_start).days > MAX_PERIOD_DAYS:
            raise ApplicationError(
                _("A period is at most %(n)d days.") % {"n": MAX_PERIOD_DAYS},
                field="period_end",
            )
    if kind == Report.Kind.ENTERPRISE and enterprise is None:
        raise ApplicationError(_("Choose the enterprise."), field="enterprise")
    report = Report.objects.create(
        number=_next_number(timezone.localdate().year),
        kind=kind,
        program=program if kind == Report.Kind.PROGRAM else None,
        provider=provider if kind == Report.Kind.PROVIDER else None,
        enterprise=enterprise if kind == Report.Kind.ENTERPRISE else None,
        period_start=period_start if kind == Report.Kind.PROVIDER else None,
        period_end=period_end if kind == Report.Kind.PROVIDER else None,
        requested_by=actor,
        requested_by_label=(actor.email if actor else SYSTEM_LABEL)[:254],
    )
    audit_event_record(
        action=actions.REPORT_REQUESTED,
        actor=actor,
        target=report,
        after={
            "kind": kind,
            "program": report.program.code if report.program else None,
            "provider": report.provider_id,
            "enterprise": report.enterprise_id,
            "period": [str(report.period_start), str(report.period_end)]
            if report.period_start
            else None,
        },
    )
    from .tasks import report_build as task

    transaction.on_commit(lambda: task.delay(report.pk))
    return report


def _progress(report: Report, percent: int, stage: str) -> None:
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, progress=percent, stage=stage
    )


def report_build(report_id: int) -> Report:
    """Build a queued report's files. Each stage is committed as progress;
    the files, digests and the event land in one transaction at the end, so
    a report is either ready with its event or failed without files."""
    from ..chain.services import chain_checkpoint_take, chain_head
    from . import data, documents, signing

    report = Report.objects.select_related("program", "provider", "enterprise").get(
        pk=report_id
    )
    if report.status != Report.Status.QUEUED:
        return report  # built already (a redelivered task)
    started = time.monotonic()
    try:
        _progress(report, 5, "checkpoint")
        chain_checkpoint_take()
        report.checkpoint_seq, report.checkpoint_hash = chain_head()
        _progress(report, 15, "figures")
        figures, charges, make_pdf, make_xlsx = _kind_parts(report)
        _progress(report, 45, "detail")
        detail, count, total = data.charges_csv(charges)
        report.fingerprint = documents.digests(detail)[0]
        _progress(report, 60, "pdf")
        pdf = make_pdf(report, figures, detail, count, total)
        _progress(report, 75, "signature")
        pdf, report.signer = signing.sign_pdf(pdf, number=report.number)
        _progress(report, 85, "xlsx")
        xlsx = make_xlsx(report, figures, charges)
        with transaction.atomic():
            report.pdf_sha256, report.pdf_sm3 = documents.digests(pdf)
            report.xlsx_sha256, report.xlsx_sm3 = documents.digests(xlsx)
            report.pdf.save(f"{report.number}.pdf", ContentFile(pdf), save=False)
            report.xlsx.save(f"{report.number}.xlsx", ContentFile(xlsx), save=False)
            report.status = Report.Status.DONE
            report.progress, report.stage = 100, "done"
            report.finished_at = timezone.now()
            report.seconds = time.monotonic() - started
            report.save()
            audit_event_record(
                action=actions.REPORT_GENERATED,
                target=report,
                after={
                    "pdf_sha256": report.pdf_sha256,
                    "pdf_sm3": report.pdf_sm3,
                    "xlsx_sha256": report.xlsx_sha256,
                    "xlsx_sm3": report.xlsx_sm3,
                    "fingerprint": report.fingerprint,
                    "signer": report.signer,
                    "checkpoint": report.checkpoint_seq,
                    "charges": count,
                },
            )
    except Exception:
        log.exception("report %s could not be built", report.number)
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.FAILED,
            finished_at=timezone.now(),
            seconds=time.monotonic() - started,
        )
    report.refresh_from_db()
    return report


def _kind_parts(report: Report) -> tuple[Any, QuerySet, Callable, Callable]:
    """The figures, the charges and the two document makers of its kind."""
    from . import data, documents

    if report.kind == Report.Kind.PROGRAM and report.program is not None:
        return (
            data.program_figures(report.program),
            data.program_charges(report.program),
            documents.program_pdf,
            documents.program_xlsx,
        )
    if (
        report.kind == Report.Kind.PROVIDER
        and report.provider is not None
        and report.period_start
        and report.period_end
    ):
        args = (report.provider, report.period_start, report.period_end)
        return (
            data.provider_figures(*args),
            data.provider_charges(*args),
            documents.provider_pdf,
            documents.provider_xlsx,
        )
    if report.kind == Report.Kind.ENTERPRISE and report.enterprise is not None:
        return (
            data.enterprise_figures(report.enterprise),
            data.enterprise_charges(report.enterprise),
            documents.enterprise_pdf,
            documents.enterprise_xlsx,
        )
    raise ValueError(f"report {report.number} lacks what its kind needs")


@transaction.atomic
def report_downloaded(*, report: Report, which: str, actor: User) -> None:
    """A report's file was downloaded: audited."""
    audit_event_record(
        action=actions.REPORT_DOWNLOADED,
        actor=actor,
        target=report,
        after={"file": which},
    )
