"""A batch's confirmation page shows what each approval would issue after
the earlier ones of the batch: their share of the budget and of the
enterprise's yearly cap is already gone (availabilities_in_turn), and the
batch then issues exactly what the page showed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import ProviderFactory, make_role_user
from tests.vouchers.test_concurrency import (
    SUBSIDY,
    open_program,
    sme_applicant,
    submitted,
)
from tests.vouchers.test_quotas import HANGZHOU, NINGBO, final, quota_program
from vouchers.issuance.selectors import availabilities_in_turn, availability
from vouchers.ledger.checks import check_ledger
from vouchers.models import Application, Voucher

pytestmark = pytest.mark.django_db


def _three_waiting(program, user, enterprise, provider) -> list[Application]:
    """Three applications of 10,000 waiting together. Screening counts pending
    applications against the cap; ones submitted last December do not, so
    three can wait together under a smaller cap."""
    last_december = timezone.make_aware(datetime(timezone.localdate().year - 1, 12, 20))
    apps = []
    for i in range(3):
        app = submitted(program, user, enterprise, provider, f"HT-T-{i}")
        Application.objects.filter(pk=app.pk).update(submitted_at=last_december)
        apps.append(app)
    return apps


def test_the_yearly_cap_the_earlier_applications_use_is_gone_for_the_later_ones():
    program = open_program(
        "TURN-CAP-2026", budget={"city": "1000000.00"}, cap="25000.00"
    )
    provider = ProviderFactory()
    user, enterprise = sme_applicant()
    apps = _three_waiting(program, user, enterprise, provider)

    in_turn = availabilities_in_turn(apps)

    # each alone could have its 10,000; in turn, the third finds 5,000 of the cap
    assert all(availability(a).amount == SUBSIDY for a in apps)
    assert [in_turn[a.pk].amount for a in apps] == [
        SUBSIDY,
        SUBSIDY,
        Decimal("5000.00"),
    ]
    assert [in_turn[a.pk].reduced for a in apps] == [False, False, True]


def test_the_budget_the_earlier_applications_use_is_gone_for_the_later_ones():
    program = open_program(
        "TURN-BUDGET-2026", budget={"city": "15000.00"}, cap="1000000.00"
    )
    provider = ProviderFactory()
    apps = []
    for i in range(2):
        user, enterprise = sme_applicant()
        apps.append(submitted(program, user, enterprise, provider, f"HT-B-{i}"))

    in_turn = availabilities_in_turn(apps)

    assert [in_turn[a.pk].amount for a in apps] == [SUBSIDY, Decimal("5000.00")]
    assert in_turn[apps[1].pk].budget_remaining == Decimal("5000.00")


def test_a_batch_confirms_and_issues_only_what_the_cap_leaves(client):
    # given: three applications of one enterprise, 10,000 each, under a
    # yearly cap of 25,000
    program = open_program(
        "TURN-PAGE-2026", budget={"city": "1000000.00"}, cap="25000.00"
    )
    provider = ProviderFactory()
    user, enterprise = sme_applicant()
    apps = _three_waiting(program, user, enterprise, provider)
    reviewer = make_role_user(Role.REVIEWER, region="330100")
    client.sign_in(reviewer, language="en")
    url = reverse("review:batch-approve")
    ids = [a.pk for a in apps]

    # when: approving the three together
    page = client.post(url, {"ids": ids})

    # then: the page counts two vouchers, 20,000, and sends the third to its page
    content = page.content.decode()
    assert 'data-testid="confirm-amount"><strong>20,000.00</strong>' in content
    assert content.count("not in a batch") == 1
    carried = {n: v for n, v in page.context["fields"] if n.startswith("amount_")}
    assert set(carried) == {f"amount_{apps[0].pk}", f"amount_{apps[1].pk}"}

    # when: confirming
    client.post(url, {"ids": ids, "confirmed": "1", **carried})

    # then: what the page said
    issued = Voucher.objects.filter(program=program).order_by("application_id")
    assert [v.application_id for v in issued] == ids[:2]
    assert sum(v.face_value for v in issued) == Decimal("20000.00")
    apps[2].refresh_from_db()
    assert apps[2].status == Application.Status.IN_REVIEW
    assert check_ledger() == []


def test_a_shared_budget_two_quota_regions_fall_back_on_is_counted_once():
    # Hangzhou and Ningbo have 10,000 of quota each and share 10,000: two
    # Hangzhou applications use Hangzhou's quota and the shared 10,000, so
    # the second Ningbo one finds nothing left to fall back on
    program = quota_program(
        "TURN-QUOTA-2026",
        budget={"province": "30000.00"},
        quotas={HANGZHOU: "10000.00", NINGBO: "10000.00"},
    )
    apps = [
        final(program, region="330106", number="HT-QT-1"),
        final(program, region="330106", number="HT-QT-2"),
        final(program, region="330203", number="HT-QT-3"),
        final(program, region="330203", number="HT-QT-4"),
    ]

    in_turn = availabilities_in_turn(apps)

    assert [in_turn[a.pk].amount for a in apps] == [SUBSIDY, SUBSIDY, SUBSIDY, 0]
    assert in_turn[apps[3].pk].budget_remaining == 0
