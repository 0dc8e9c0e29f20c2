"""The home page says what waits for each signed-in user (config/todo.py):
every item links to where it is done, counts are those of the queues, and
someone with nothing to do is told so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from audits.models import Flag
from config.todo import applicant_todos, auditor_todos, provider_todos, reviewer_todos
from tests.factories import ApplicationFactory, make_role_user, stage_reviewer
from tests.factories.redemption import charge_setup

pytestmark = pytest.mark.django_db


def kinds(todos) -> list[str]:
    return [t.kind for t in todos]


def test_an_applicant_sees_drafts_returns_charges_and_vouchers(client):
    setup = charge_setup()
    setup.hold()
    draft = ApplicationFactory(applicant=setup.applicant)
    returned = ApplicationFactory(applicant=setup.applicant, returned=True)

    todos = applicant_todos(setup.applicant)

    by_kind = {t.kind: t for t in todos}
    assert set(by_kind) >= {"draft", "returned", "charges", "voucher"}
    assert by_kind["draft"].url == reverse("applications:detail", args=[draft.pk])
    assert by_kind["returned"].url == reverse("applications:detail", args=[returned.pk])
    assert by_kind["returned"].urgent
    assert by_kind["charges"].url == reverse(
        "vouchers:voucher-detail", args=[setup.voucher.code]
    )
    assert "198,750.00" in by_kind["voucher"].text  # 200,000.00 less the pending charge

    client.sign_in(setup.applicant, language="zh-hans")
    page = client.get("/").content.decode()
    assert 'data-testid="todo-applicant"' in page
    assert "等待您确认" in page
    assert reverse("applications:detail", args=[returned.pk]) in page


def test_a_voucher_close_to_expiry_is_urgent(client):
    setup = charge_setup()
    voucher = setup.voucher
    voucher.expires_on = timezone.localdate() + timedelta(days=10)
    voucher.save(update_fields=["expires_on"])

    [item] = [t for t in applicant_todos(setup.applicant) if t.kind == "voucher"]

    assert item.urgent
    assert "10" in item.since


def test_a_provider_sees_disputed_and_pending_charges():
    setup = charge_setup()
    setup.hold()
    disputed = setup.hold()
    from vouchers.redemption import services as charges

    charges.redemption_dispute(redemption=disputed, user=setup.applicant, reason="多算")

    todos = provider_todos(setup.staff, setup.provider)

    assert kinds(todos)[:2] == ["disputed", "pending"]
    assert todos[0].url.endswith("?status=disputed")


def test_a_reviewer_sees_the_queue_with_its_oldest_waiting():
    app = ApplicationFactory(submitted=True)
    reviewer = stage_reviewer(app)

    with translation.override("en"):
        [queue, *_rest] = reviewer_todos(reviewer)
        later = reviewer_todos(reviewer, today=timezone.localdate() + timedelta(days=3))

    assert queue.kind == "applications"
    assert queue.figure == "1"
    assert queue.url == reverse("review:queue")
    assert queue.since == "oldest waiting since today"
    day = timezone.localtime(app.submitted_at).date().isoformat()
    assert later[0].since == f"oldest waiting since {day} (3 days)"


def test_a_reviewer_with_nothing_waiting_is_told_so(client):
    reviewer = make_role_user(Role.REVIEWER, region="330106")
    [queue] = reviewer_todos(reviewer)
    assert (queue.figure, queue.urgent) == ("0", False)


def test_an_auditor_is_told_the_chain_was_never_checked_and_flags_wait():
    auditor = make_role_user(Role.AUDITOR, region="330000")
    Flag.objects.create(
        rule="same_contract",
        key="k-1",
        subject_type="application",
        subject_id="1",
        facts={},
    )

    todos = auditor_todos(auditor)

    assert kinds(todos) == ["flags", "chain"]
    assert todos[1].urgent  # never checked


def test_someone_without_a_role_gets_the_start_panel(client):
    from tests.factories import UserFactory

    client.sign_in(UserFactory(), language="zh-hans")
    page = client.get("/").content.decode()
    assert 'data-testid="applicant-home"' in page
    assert "todo-" not in page
