"""The charge pages through the test client: the provider charges a voucher
(the form, its refusals, ``?code=``, the voucher check), lists its charges
by status and voids one; the enterprise confirms or disputes on the charge
page and sees its charges on the voucher page; a reviewer of the region
decides disputes from the queue; everyone else gets 404 (or the login)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises.models import Provider
from tests.factories import ProviderFactory, make_role_user, membership
from tests.factories.redemption import ChargeSetup, OfferingFactory, charge_setup
from vouchers import error_codes
from vouchers.ledger.selectors import voucher_balance, voucher_held
from vouchers.models import LedgerTransfer, Redemption, Voucher
from vouchers.redemption import services as svc

pytestmark = pytest.mark.django_db

S = Redemption.Status
FACE = Decimal("200000.00")
CHARGE = Decimal("1250.00")  # 100 card-hours at 12.50


@pytest.fixture
def setup() -> ChargeSetup:
    return charge_setup()


def writes() -> tuple[int, int, int]:
    return (
        Redemption.objects.count(),
        LedgerTransfer.objects.count(),
        AuditEvent.objects.count(),
    )


def new_page(setup: ChargeSetup) -> str:
    return reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})


def list_page(setup: ChargeSetup) -> str:
    return reverse("vouchers:charges", kwargs={"provider_pk": setup.provider.pk})


def detail(r: Redemption) -> str:
    return reverse("vouchers:charge-detail", kwargs={"pk": r.pk})


def action(name: str, r: Redemption) -> str:
    return reverse(f"vouchers:charge-{name}", kwargs={"pk": r.pk})


def form_data(setup: ChargeSetup, **changes) -> dict:
    """The form's fields for ``setup.charge(**changes)``, as typed."""
    c = setup.charge(**changes)
    return {
        "voucher_code": c.voucher_code,
        "credit_code": c.credit_code,
        "offering": c.offering_id,
        "quantity": str(c.quantity),
        "unit_price": str(c.unit_price),
        "period_start": str(c.period_start),
        "period_end": str(c.period_end),
        "invoice_number": c.invoice_number,
    }


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def reviewer_of(region: str = "330106"):
    return make_role_user(Role.REVIEWER, region=region)


def is_login(response) -> bool:
    return response.status_code == 302 and urlsplit(
        response["Location"]
    ).path == reverse("account_login")


# -- the provider charges a voucher -----------------------------------------------


def test_provider_staff_charge_a_voucher_through_the_form(client, setup):
    client.force_login(setup.staff)
    typed = " " + setup.voucher.code.replace("-", "").lower()

    response = client.post(new_page(setup), form_data(setup, voucher_code=typed))

    r = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(r)
    assert (r.status, r.amount, r.voucher) == (S.PENDING, CHARGE, setup.voucher)
    assert r.created_by == setup.staff
    assert voucher_held(setup.voucher) == CHARGE
    assert voucher_balance(setup.voucher) == FACE - CHARGE
    [(level, text)] = flashed(response)
    assert level == "success"
    assert "1,250.00" in text
    assert timezone.localtime(r.confirm_by).strftime("%Y-%m-%d") in text


def _expired(setup: ChargeSetup) -> dict:
    Voucher.objects.filter(pk=setup.voucher.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    return {}


def _other_credit_code(setup: ChargeSetup) -> dict:
    other = make_role_user(Role.APPLICANT).memberships.get().enterprise
    return {"credit_code": other.uscc}


def _over_balance(setup: ChargeSetup) -> dict:
    return {"quantity": Decimal("16000.001")}


def _used_invoice(setup: ChargeSetup) -> dict:
    setup.hold(invoice_number="FP-USED")
    return {"invoice_number": "FP-USED"}


def _other_providers_offering(setup: ChargeSetup) -> dict:
    return {"offering_id": OfferingFactory(provider=ProviderFactory()).pk}


@pytest.mark.parametrize(
    ("arrange", "code", "field"),
    [
        (_other_credit_code, error_codes.VOUCHER_NOT_FOUND, "voucher_code"),
        (_expired, error_codes.VOUCHER_EXPIRED, "voucher_code"),
        (_over_balance, error_codes.INSUFFICIENT_BALANCE, "quantity"),
        (_used_invoice, error_codes.DUPLICATE_INVOICE, "invoice_number"),
        (_other_providers_offering, error_codes.OFFERING_INVALID, "offering"),
    ],
    ids=["credit-code", "expired", "over-balance", "duplicate-invoice", "offering"],
)
def test_a_refused_charge_shows_the_services_message_and_writes_nothing(
    client, setup, arrange, code, field
):
    changes = arrange(setup)
    data = form_data(setup, **changes)
    client.force_login(setup.staff)
    before = writes()
    # What the service answers to the same charge.
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_charge(
            provider=setup.provider,
            charge=setup.charge(
                **{**changes, "invoice_number": data["invoice_number"]}
            ),
            actor=setup.staff,
        )
    assert (caught.value.code, caught.value.field) == (code, field)

    response = client.post(new_page(setup), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [caught.value.message]
    assert caught.value.message in response.content.decode()
    assert writes() == before


def test_a_value_that_does_not_parse_is_a_form_error_not_a_500(client, setup):
    client.force_login(setup.staff)
    data = form_data(setup) | {"quantity": "lots", "offering": "x", "period_end": ""}
    response = client.post(new_page(setup), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "quantity",
        "offering",
        "period_end",
    }
    assert not Redemption.objects.exists()


def test_the_code_in_the_query_fills_the_form(client, setup):
    """The certificate's QR code links here with ``?code=``."""
    client.force_login(setup.staff)
    typed = setup.voucher.code.replace("-", "").lower()

    response = client.get(new_page(setup), {"code": typed})

    assert response.status_code == 200
    assert f'value="{setup.voucher.code}"' in response.content.decode()
    options = response.context["form"].fields["offering"].widget.choices
    assert [pk for pk, _label in options] == ["", setup.offering.pk]
    assert "12.50" in options[1][1]
    # the only offering is chosen and its list price is the unit price offered
    content = response.content.decode()
    assert 'selected data-list-price="12.5"' in content
    assert 'name="unit_price" value="12.5"' in content


def test_check_voucher_shows_the_balance_or_the_same_not_found(client, setup):
    client.force_login(setup.staff)
    data = form_data(setup) | {"check": "1"}

    found = client.post(new_page(setup), data)
    wrong_credit = client.post(new_page(setup), data | _other_credit_code(setup))
    wrong_code = client.post(new_page(setup), data | {"voucher_code": "A" * 16})

    assert found.status_code == 200
    assert found.context["check"]["balance"] == "200,000.00"
    assert 'data-testid="check-balance"' in found.content.decode()
    assert wrong_credit.context["check"] == {"found": False}
    assert wrong_code.context["check"] == {"found": False}
    assert not Redemption.objects.exists()


def test_check_voucher_is_throttled_per_provider_at_the_lookup_rate(
    client, setup, settings
):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": rates | {"voucher_lookup": "2/minute"}
    }
    client.force_login(setup.staff)
    data = form_data(setup) | {"check": "1"}

    answers = [client.post(new_page(setup), data) for _ in range(3)]

    assert [bool(a.context["check"].get("found")) for a in answers[:2]] == [True] * 2
    third = answers[2].content.decode()
    assert 'data-testid="check-throttled"' in third
    assert 'data-testid="check-balance"' not in third
    # the charge itself is not the look-up: still accepted
    response = client.post(new_page(setup), form_data(setup))
    assert response.status_code == 302


def test_a_provider_not_yet_approved_sees_no_form(client, setup):
    Provider.objects.filter(pk=setup.provider.pk).update(status=Provider.Status.APPLIED)
    client.force_login(setup.staff)

    page = client.get(new_page(setup)).content.decode()
    refused = client.post(new_page(setup), form_data(setup))

    assert 'data-testid="not-approved"' in page
    assert 'data-testid="charge-form"' not in page
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors()
    assert not Redemption.objects.exists()


def test_the_provider_page_links_to_the_charge_pages(client, setup):
    client.force_login(setup.staff)
    page = client.get(
        reverse("enterprises:provider-detail", args=[setup.provider.pk])
    ).content.decode()
    assert new_page(setup) in page
    assert list_page(setup) in page


# -- the provider's list -------------------------------------------------------------


def test_the_list_has_status_tabs_with_counts(client, setup):
    pending = setup.hold()
    confirmed = setup.hold()
    svc.redemption_confirm(redemption=confirmed, user=setup.applicant)
    voided = setup.hold()
    svc.redemption_void(
        redemption=voided, provider=setup.provider, actor=setup.staff, reason="错"
    )
    other = charge_setup()
    other.hold()  # another provider's: not listed
    client.force_login(setup.staff)

    everything = client.get(list_page(setup))
    only_pending = client.get(list_page(setup), {"status": "pending"})
    nonsense = client.get(list_page(setup), {"status": "nonsense", "page": "x"})

    assert everything.status_code == 200
    assert [(t, n) for t, _label, n in everything.context["tabs"]] == [
        ("", 3),
        ("pending", 1),
        ("disputed", 0),
        ("confirmed", 1),
        ("voided", 1),
    ]
    assert list(everything.context["page"]) == [voided, confirmed, pending]
    assert list(only_pending.context["page"]) == [pending]
    html = only_pending.content.decode()
    assert "1,250.00" in html
    assert "100 GPU" in html  # the quantity, without trailing zeros
    assert "× 12.50" in html
    assert detail(pending) in html
    assert pending.invoice_number in html
    assert list(nonsense.context["page"]) == [voided, confirmed, pending]


def test_another_providers_staff_get_404_on_its_pages(client, setup):
    r = setup.hold()
    client.force_login(make_role_user(Role.PROVIDER_STAFF))
    assert client.get(list_page(setup)).status_code == 404
    assert client.get(new_page(setup)).status_code == 404
    assert client.post(new_page(setup), form_data(setup)).status_code == 404
    assert client.get(detail(r)).status_code == 404
    assert client.post(action("void", r), {"reason": "x"}).status_code == 404
    r.refresh_from_db()
    assert r.status == S.PENDING
    assert Redemption.objects.count() == 1


# -- the charge page: provider ----------------------------------------------------


def test_the_provider_voids_a_pending_charge(client, setup):
    r = setup.hold()
    client.force_login(setup.staff)
    page = client.get(detail(r))
    assert page.context["may_void"]
    assert not page.context["may_answer"]

    response = client.post(action("void", r), {"reason": "重复扣费"})

    assert response["Location"] == detail(r)
    r.refresh_from_db()
    assert (r.status, r.decision_reason) == (S.VOIDED, "重复扣费")
    assert voucher_balance(setup.voucher) == FACE
    assert [level for level, _ in flashed(response)] == ["success"]


def test_a_void_without_a_reason_is_refused_with_the_services_message(client, setup):
    r = setup.hold()
    client.force_login(setup.staff)
    before = writes()

    response = client.post(action("void", r), {"reason": "  "}, follow=True)

    assert response.status_code == 200
    [(level, text)] = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert level == "error"
    with pytest.raises(ApplicationError) as caught:
        svc.redemption_void(
            redemption=r, provider=setup.provider, actor=setup.staff, reason=""
        )
    assert text == caught.value.message
    assert writes() == before


# -- the charge page: enterprise ----------------------------------------------------


def test_a_member_confirms_a_pending_charge_and_a_second_confirm_is_refused(
    client, setup
):
    r = setup.hold()
    client.force_login(setup.applicant)
    page = client.get(detail(r))
    assert page.context["may_answer"]
    assert 'data-testid="confirm"' in page.content.decode()

    asked = client.post(action("confirm", r))
    assert asked.status_code == 200  # the confirmation page, nothing done
    assert 'data-testid="confirm-amount"><strong>1,250.00</strong>' in (
        asked.content.decode()
    )
    # "Back" leads back to the charge (there was no form to change)
    assert 'data-testid="confirm-back">返回扣费详情<' in asked.content.decode()
    r.refresh_from_db()
    assert r.status == S.PENDING
    assert client.post(action("confirm", r), {"back": "1"})["Location"] == detail(r)

    first = client.post(action("confirm", r), {"confirmed": "1"}, follow=True)
    assert first.redirect_chain == [(detail(r), 302)]
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    before = writes()
    second = client.post(action("confirm", r), follow=True)

    r.refresh_from_db()
    assert r.status == S.CONFIRMED
    assert second.status_code == 200
    [(level, _text)] = [(m.level_tag, str(m)) for m in second.context["messages"]]
    assert level == "error"
    assert writes() == before
    assert not second.context["may_answer"]


def test_a_member_disputes_with_a_reason_and_not_without(client, setup):
    r = setup.hold()
    client.force_login(setup.applicant)
    before = writes()

    empty = client.post(action("dispute", r), {"reason": ""})

    assert empty["Location"] == detail(r)
    assert [level for level, _ in flashed(empty)] == ["error"]
    assert writes() == before
    r.refresh_from_db()
    assert r.status == S.PENDING

    client.post(action("dispute", r), {"reason": "只用了 50 卡时"})

    r.refresh_from_db()
    assert (r.status, r.dispute_reason) == (S.DISPUTED, "只用了 50 卡时")
    assert voucher_held(setup.voucher) == CHARGE
    page = client.get(detail(r)).content.decode()
    assert "只用了 50 卡时" in page
    assert 'data-testid="history-charge.disputed"' in page
    # who acted, by name: the e-mail is the audit trail's, not this page's
    row = page.split('data-testid="history-charge.disputed"')[1].split("</tr>")[0]
    assert setup.applicant.full_name in row
    assert setup.applicant.email not in page


def test_another_enterprises_applicant_gets_404(client, setup):
    r = setup.hold()
    client.force_login(make_role_user(Role.APPLICANT, region="330203"))
    assert client.get(detail(r)).status_code == 404
    assert client.post(action("confirm", r)).status_code == 404
    assert client.post(action("dispute", r), {"reason": "x"}).status_code == 404
    r.refresh_from_db()
    assert r.status == S.PENDING


def test_a_colleague_of_the_enterprise_may_confirm(client, setup):
    r = setup.hold()
    colleague = make_role_user(Role.PROVIDER_STAFF)  # also staff elsewhere
    membership(colleague, Role.APPLICANT, setup.voucher.enterprise)
    client.force_login(colleague)
    assert client.get(detail(r)).context["may_answer"]
    client.post(action("confirm", r), {"confirmed": "1"})
    r.refresh_from_db()
    assert (r.status, r.decided_by) == (S.CONFIRMED, colleague)


# -- the voucher page --------------------------------------------------------------


def test_the_voucher_page_shows_what_is_held_and_the_charges(client, setup):
    pending = setup.hold()
    confirmed = setup.hold(quantity=Decimal("10"))
    svc.redemption_confirm(redemption=confirmed, user=setup.applicant)
    client.force_login(setup.applicant)

    response = client.get(reverse("vouchers:voucher-detail", args=[setup.voucher.code]))

    html = response.content.decode()
    assert response.context["held"] == "1,250.00"
    assert response.context["balance"] == "198,625.00"
    assert 'data-testid="voucher-held"' in html
    assert [c for c, _amount in response.context["charges"]] == [confirmed, pending]
    assert f'data-testid="confirm-{pending.pk}"' in html
    assert f'data-testid="confirm-{confirmed.pk}"' not in html
    assert action("confirm", pending) in html
    assert timezone.localtime(pending.confirm_by).strftime("%Y-%m-%d") in html
    # each charge names its invoice, so the enterprise can match its own
    for charge in (pending, confirmed):
        assert f'data-testid="voucher-charge-invoice">{charge.invoice_number}<' in html


def test_a_reviewer_reading_the_voucher_sees_its_charges_without_buttons(client, setup):
    pending = setup.hold()
    client.force_login(reviewer_of())
    response = client.get(reverse("vouchers:voucher-detail", args=[setup.voucher.code]))
    html = response.content.decode()
    assert detail(pending) in html
    assert f'data-testid="confirm-{pending.pk}"' not in html


# -- reviewers ---------------------------------------------------------------------


def _disputed(setup: ChargeSetup) -> Redemption:
    return svc.redemption_dispute(
        redemption=setup.hold(), user=setup.applicant, reason="数量翻倍"
    )


def test_the_queue_lists_the_regions_disputed_charges(client, setup):
    r = _disputed(setup)
    setup.hold()  # pending: not in the queue
    client.force_login(reviewer_of())

    response = client.get(reverse("vouchers:disputes"))

    assert response.status_code == 200
    assert [c for c, _days in response.context["rows"]] == [r]
    html = response.content.decode()
    assert detail(r) in html
    assert "数量翻倍" in html
    assert "1,250.00" in html
    client.force_login(reviewer_of("330203"))
    assert client.get(reverse("vouchers:disputes")).context["rows"] == []


@pytest.mark.parametrize(
    ("decision", "status", "balance"),
    [("uphold", S.CONFIRMED, FACE - CHARGE), ("void", S.VOIDED, FACE)],
)
def test_a_reviewer_of_the_region_decides_a_dispute(
    client, setup, decision, status, balance
):
    r = _disputed(setup)
    reviewer = reviewer_of()
    client.force_login(reviewer)
    assert client.get(detail(r)).context["may_decide"]

    data = {"decision": decision, "reason": "核对了用量记录"}
    if decision == "uphold":  # it pays the provider: confirmed first
        asked = client.post(action("decide", r), data)
        assert 'data-testid="confirm-amount"' in asked.content.decode()
        assert Redemption.objects.get(pk=r.pk).status == S.DISPUTED
    response = client.post(action("decide", r), data | {"confirmed": "1"})

    assert response["Location"] == detail(r)
    r.refresh_from_db()
    assert (r.status, r.decision_reason, r.decided_by) == (
        status,
        "核对了用量记录",
        reviewer,
    )
    assert voucher_held(setup.voucher) == Decimal("0.00")
    assert voucher_balance(setup.voucher) == balance


def test_a_decision_needs_a_reason_and_a_choice(client, setup):
    r = _disputed(setup)
    client.force_login(reviewer_of())
    before = writes()

    for data in ({"decision": "uphold"}, {"reason": "x", "decision": "maybe"}):
        response = client.post(action("decide", r), data, follow=True)
        assert response.redirect_chain == [(detail(r), 302)]
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert writes() == before
    r.refresh_from_db()
    assert r.status == S.DISPUTED


def test_a_reviewer_of_another_region_neither_reads_nor_decides(client, setup):
    r = _disputed(setup)
    client.force_login(reviewer_of("330203"))
    before = writes()

    assert client.get(detail(r)).status_code == 404
    response = client.post(action("decide", r), {"decision": "void", "reason": "x"})

    assert response.status_code == 404
    assert writes() == before
    r.refresh_from_db()
    assert r.status == S.DISPUTED


def test_a_pending_charge_is_not_decided_by_a_reviewer(client, setup):
    r = setup.hold()
    client.force_login(reviewer_of())
    page = client.get(detail(r))
    assert page.status_code == 200
    assert not page.context["may_decide"]
    response = client.post(action("decide", r), {"decision": "void", "reason": "x"})
    assert [level for level, _ in flashed(response)] == ["error"]
    r.refresh_from_db()
    assert r.status == S.PENDING


@pytest.mark.parametrize("role", [Role.PROGRAM_MANAGER, Role.AUDITOR])
def test_managers_and_auditors_read_a_charge_without_actions(client, setup, role):
    r = _disputed(setup)
    client.force_login(make_role_user(role, region="330000"))
    page = client.get(detail(r))
    assert page.status_code == 200
    assert not any(page.context[k] for k in ("may_void", "may_answer", "may_decide"))


# -- guards ------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login(client, setup):
    r = setup.hold()
    for path in (
        detail(r),
        new_page(setup),
        list_page(setup),
        reverse("vouchers:disputes"),
    ):
        assert is_login(client.get(path)), path
    assert is_login(client.post(action("confirm", r)))
    r.refresh_from_db()
    assert r.status == S.PENDING


def test_the_actions_answer_post_only(client, setup):
    r = setup.hold()
    client.force_login(setup.applicant)
    assert client.get(action("confirm", r)).status_code == 405
    assert (
        client.get(reverse("vouchers:charge-detail", kwargs={"pk": 999999})).status_code
        == 404
    )


def test_a_charge_made_in_english_reads_in_chinese_on_the_voucher_page(client, setup):
    with translation.override("en"):
        charge = setup.hold()
    assert (charge.unit, charge.unit_other) == ("gpu_card_hour", "")
    client.sign_in(setup.applicant, language="zh-hans")

    html = client.get(
        reverse("vouchers:voucher-detail", args=[setup.voucher.code])
    ).content.decode()

    assert "100 GPU卡时" in html
    assert "card-hour" not in html


def test_an_offering_of_another_unit_keeps_the_providers_words(client, setup):
    other = OfferingFactory(provider=setup.provider, unit="other", unit_other="节点·天")
    charge = setup.hold(offering_id=other.pk)
    assert (charge.unit, charge.unit_other, charge.unit_label) == (
        "other",
        "节点·天",
        "节点·天",
    )


def test_the_migration_turns_stored_labels_into_codes(setup):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("vouchers.migrations.0014_redemption_unit_code")
    zh, en, own = setup.hold(), setup.hold(), setup.hold()
    Redemption.objects.filter(pk=zh.pk).update(unit="GPU卡时")
    Redemption.objects.filter(pk=en.pk).update(unit="1,000 tokens")
    Redemption.objects.filter(pk=own.pk).update(unit="节点·天")

    migration.to_codes(apps, None)

    stored = dict(
        Redemption.objects.filter(pk__in=[zh.pk, en.pk, own.pk]).values_list(
            "pk", "unit"
        )
    )
    assert stored == {zh.pk: "gpu_card_hour", en.pk: "thousand_tokens", own.pk: "other"}
    assert Redemption.objects.get(pk=own.pk).unit_label == "节点·天"
