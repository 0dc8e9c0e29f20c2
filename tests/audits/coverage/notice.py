"""Event-coverage cases: see tests/audits/coverage/__init__.py.

Public notice (公示): the final approval that opens a notice, an objection,
its upholding and dismissal, and the issuance when the notice ends."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from accounts.roles import Role
from audits import actions
from tests.audits.coverage import Case
from tests.factories import make_open_program, make_role_user, stage_reviewer
from tests.factories.vouchers import ApplicationFactory, pdf_upload
from vouchers.issuance import services as issuance
from vouchers.lock_objects import application_lock
from vouchers.models import Application, LedgerAccount, Notice, Objection, Voucher
from vouchers.notice import services as notices
from vouchers.review import services as review

NOTICE = "vouchers.notice.services"
ISSUANCE = "vouchers.issuance.services"
OVER = {"starts_on": date(2026, 1, 5), "ends_on": date(2026, 1, 9)}


def _program():
    settings.MEDIA_ROOT = tempfile.mkdtemp()
    return make_open_program("COVER-NOTICE-2026", public_notice_days=5)


def _at_final_stage() -> Application:
    return ApplicationFactory(at_second_stage=True, program=_program())


def _in_notice() -> Notice:
    app = _at_final_stage()
    return review.application_approve(
        application=app, reviewer=stage_reviewer(app)
    ).notice


def _objected(n: Notice) -> Objection:
    return notices.objection_submit(
        notice=n, name="张三", contact="13800000000", reason="关联方。"
    )


def _state(program_id: int) -> Callable[[], object]:
    def state():
        return (
            list(
                Application.objects.filter(program_id=program_id)
                .order_by("pk")
                .values_list("status", "decided_at")
            ),
            list(
                Notice.objects.filter(program_id=program_id)
                .order_by("pk")
                .values_list("status", "voucher_id", "closed_at")
            ),
            list(
                Objection.objects.filter(notice__program_id=program_id)
                .order_by("pk")
                .values_list("status", "resolved_at")
            ),
            list(Voucher.objects.filter(program_id=program_id).values_list("pk")),
            list(
                LedgerAccount.objects.filter(program_id=program_id)
                .order_by("pk")
                .values_list("kind", "balance")
            ),
        )

    return state


def _open():
    # As review.application_approve calls it: the application locked.
    app = _at_final_stage()
    reviewer = stage_reviewer(app)

    def call():
        with transaction.atomic():
            return notices.notice_open(
                application=application_lock(app.pk), approver=reviewer, days=5
            )

    return Case(
        call=call,
        expected=Counter({actions.NOTICE_STARTED: 1}),
        state=_state(app.program_id),
    )


def _voucher_create():
    # As voucher_issue does: the amount checked under locks, then created.
    app = _at_final_stage()
    reviewer = stage_reviewer(app)

    def call():
        with transaction.atomic():
            locked = application_lock(app.pk)
            amount, _available, pools = issuance.issuable(
                application=locked, expected_amount=None
            )
            return issuance.voucher_create(
                application=locked, amount=amount, pools=pools, actor=reviewer
            )

    return Case(
        call=call,
        expected=Counter({actions.VOUCHER_ISSUED: 1}),
        state=_state(app.program_id),
    )


def _objection():
    n = _in_notice()
    return Case(
        call=lambda: notices.objection_submit(
            notice=n,
            name="张三",
            contact="13800000000",
            reason="关联方。",
            evidence=pdf_upload("证据.pdf"),
        ),
        expected=Counter({actions.NOTICE_OBJECTED: 1}),
        state=_state(n.program_id),
    )


def _uphold():
    n = _in_notice()
    o = _objected(n)
    manager = make_role_user(Role.PROGRAM_MANAGER)
    return Case(
        call=lambda: notices.objection_uphold(
            objection=o, manager=manager, reason="存在关联关系。"
        ),
        expected=Counter({actions.NOTICE_OBJECTION_UPHELD: 1}),
        state=_state(n.program_id),
    )


def _dismiss():
    # After the notice ended: dismissing issues the voucher at once.
    n = _in_notice()
    o = _objected(n)
    Notice.objects.filter(pk=n.pk).update(**OVER)
    manager = make_role_user(Role.PROGRAM_MANAGER)
    return Case(
        call=lambda: notices.objection_dismiss(
            objection=o, manager=manager, reason="不成立。"
        ),
        expected=Counter(
            {
                actions.NOTICE_OBJECTION_DISMISSED: 1,
                actions.VOUCHER_ISSUED: 1,
                actions.APPLICATION_APPROVED: 1,
            }
        ),
        state=_state(n.program_id),
    )


def _issue():
    n = _in_notice()
    return Case(
        call=lambda: notices.notice_issue(
            notice=n, today=n.ends_on + timedelta(days=1)
        ),
        expected=Counter({actions.VOUCHER_ISSUED: 1, actions.APPLICATION_APPROVED: 1}),
        state=_state(n.program_id),
    )


def _issue_due():
    n = _in_notice()
    return Case(
        call=lambda: notices.notices_issue_due(today=n.ends_on + timedelta(days=1)),
        expected=Counter({actions.VOUCHER_ISSUED: 1, actions.APPLICATION_APPROVED: 1}),
        state=_state(n.program_id),
        swallows=True,  # a batch: the failed item is logged and skipped
    )


CASES = {
    f"{NOTICE}:notice_open": _open,
    f"{NOTICE}:objection_submit": _objection,
    f"{NOTICE}:objection_uphold": _uphold,
    f"{NOTICE}:objection_dismiss": _dismiss,
    f"{NOTICE}:notice_issue": _issue,
    f"{NOTICE}:notices_issue_due": _issue_due,
    f"{ISSUANCE}:voucher_create": _voucher_create,
}
