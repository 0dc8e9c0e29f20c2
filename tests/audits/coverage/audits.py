"""Event-coverage cases of the audits app: the chain's requests and exports,
the flag scan and triage (see tests/audits/coverage/__init__.py)."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from unittest import mock

from django.conf import settings
from django.db import transaction

from accounts.roles import Role
from audits import actions
from audits.chain import services as chain
from audits.dashboard import services as dashboard
from audits.flags import services as flags
from audits.models import ChainCheckpoint, ChainVerification, Flag, FlagScan, Report
from audits.records import services as records
from audits.reports import services as reports
from audits.services import audit_event_record
from tests.audits.coverage import Case
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    demo_program,
    make_role_user,
)


def _auditor():
    return make_role_user(Role.AUDITOR, region="330000")


def _an_event() -> None:
    with transaction.atomic():
        audit_event_record(action=actions.USER_CREATED, actor_label="coverage")


def _checkpoint_request() -> Case:
    auditor = _auditor()
    _an_event()
    return Case(
        call=lambda: chain.chain_checkpoint_request(actor=auditor),
        expected=Counter({actions.AUDIT_CHECKPOINT_TAKEN: 1}),
        state=lambda: ChainCheckpoint.objects.count(),
    )


def _checkpoints_exported() -> Case:
    auditor = _auditor()
    return Case(
        call=lambda: chain.chain_checkpoints_exported(actor=auditor, count=3),
        expected=Counter({actions.AUDIT_CHECKPOINTS_EXPORTED: 1}),
        state=lambda: ChainCheckpoint.objects.count(),
    )


def _verification_request() -> Case:
    auditor = _auditor()
    return Case(
        call=lambda: chain.chain_verification_request(actor=auditor),
        expected=Counter({actions.AUDIT_CHAIN_VERIFICATION_REQUESTED: 1}),
        state=lambda: ChainVerification.objects.count(),
    )


def _same_contract_twice() -> None:
    provider = ProviderFactory()
    ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-COV")
    ApplicationFactory(submitted=True, provider=provider, contract_number="HT-COV")


def _scan_request() -> Case:
    auditor = _auditor()
    return Case(
        call=lambda: flags.flag_scan_request(actor=auditor),
        expected=Counter({actions.FLAG_SCAN_REQUESTED: 1}),
        state=lambda: FlagScan.objects.count(),
    )


def _scan() -> Case:
    _same_contract_twice()
    return Case(
        call=flags.flags_scan,
        expected=Counter({actions.FLAG_RAISED: 1, actions.FLAGS_SCANNED: 1}),
        state=lambda: list(Flag.objects.values_list("rule", "key")),
        # a failed scan is marked failed (its FlagScan row) and raises nothing
        swallows=True,
    )


def _triage() -> Case:
    _same_contract_twice()
    flags.flags_scan()
    flag = Flag.objects.get()
    auditor = _auditor()
    return Case(
        call=lambda: flags.flag_triage(
            flag=flag, status=Flag.Status.CONFIRMED, note="已移交核查", actor=auditor
        ),
        expected=Counter({actions.FLAG_CONFIRMED: 1}),
        state=lambda: Flag.objects.values_list("status", "note").get(pk=flag.pk),
    )


def _records_exported() -> Case:
    auditor = _auditor()
    return Case(
        call=lambda: records.records_exported(
            actor=auditor, kind="charges", filters={"status": "pending"}, count=12
        ),
        expected=Counter({actions.RECORDS_EXPORTED: 1}),
        state=lambda: None,  # a download changes nothing but the trail
    )


def _media() -> None:
    settings.MEDIA_ROOT = tempfile.mkdtemp()


def _queued_report() -> Report:
    with mock.patch("audits.reports.tasks.report_build.delay"):
        return reports.report_request(
            kind=Report.Kind.PROGRAM, program=demo_program(), actor=_auditor()
        )


def _report_request() -> Case:
    auditor = _auditor()
    program = demo_program()
    return Case(
        call=lambda: reports.report_request(
            kind=Report.Kind.PROGRAM, program=program, actor=auditor
        ),
        expected=Counter({actions.REPORT_REQUESTED: 1}),
        state=lambda: Report.objects.count(),
    )


def _report_build() -> Case:
    _media()
    report = _queued_report()
    return Case(
        call=lambda: reports.report_build(report.pk),
        expected=Counter({actions.REPORT_GENERATED: 1}),
        state=lambda: Report.objects.filter(status=Report.Status.DONE).count(),
        # a build that fails is marked failed, never raised to the worker
        swallows=True,
    )


def _report_downloaded() -> Case:
    report = _queued_report()
    auditor = _auditor()
    return Case(
        call=lambda: reports.report_downloaded(
            report=report, which="pdf", actor=auditor
        ),
        expected=Counter({actions.REPORT_DOWNLOADED: 1}),
        state=lambda: None,  # a download changes nothing but the trail
    )


def _dashboard_exported() -> Case:
    auditor = _auditor()
    program = demo_program()
    return Case(
        call=lambda: dashboard.dashboard_exported(actor=auditor, program=program),
        expected=Counter({actions.DASHBOARD_EXPORTED: 1}),
        state=lambda: None,  # a download changes nothing but the trail
    )


CASES: dict[str, Callable[[], Case]] = {
    "audits.dashboard.services:dashboard_exported": _dashboard_exported,
    "audits.reports.services:report_request": _report_request,
    "audits.reports.services:report_build": _report_build,
    "audits.reports.services:report_downloaded": _report_downloaded,
    "audits.records.services:records_exported": _records_exported,
    "audits.chain.services:chain_checkpoint_request": _checkpoint_request,
    "audits.chain.services:chain_checkpoints_exported": _checkpoints_exported,
    "audits.chain.services:chain_verification_request": _verification_request,
    "audits.flags.services:flag_scan_request": _scan_request,
    "audits.flags.services:flags_scan": _scan,
    "audits.flags.services:flag_triage": _triage,
}
