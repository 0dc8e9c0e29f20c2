"""Every decision the demo stores is made again the same by
`manage.py decision_reexplain`, and its page opens for the demo's auditor:
on PostgreSQL and, through scripts/test.sh, once more on SQLite, the demo's
own database. (A module of its own: the demo is loaded once for it.)"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role
from vouchers.models import EligibilityDecision

pytestmark = pytest.mark.django_db


def test_every_stored_demo_decision_agrees_when_made_again(demo_loaded):
    # given
    ids = [str(pk) for pk in EligibilityDecision.objects.values_list("pk", flat=True)]
    assert len(ids) >= 15
    out = StringIO()

    # when: a CommandError (exit status 1) would say which differ
    call_command("decision_reexplain", *ids, stdout=out)

    # then
    assert out.getvalue().count("  => agrees") == len(ids)
    assert "DIFFERS" not in out.getvalue()


def test_the_demo_auditor_reads_a_demo_decision_made_again(demo_loaded, client):
    # given
    auditor = (
        get_user_model()
        .objects.filter(memberships__role=Role.AUDITOR)
        .order_by("pk")
        .first()
    )
    decision = EligibilityDecision.objects.order_by("pk").first()

    # when
    client.sign_in(auditor, language="en")
    response = client.get(reverse("review:decision", args=[decision.pk]))

    # then
    assert response.status_code == 200
    assert "Agrees with what was stored" in response.content.decode()
