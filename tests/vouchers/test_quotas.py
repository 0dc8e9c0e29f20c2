"""Regional quotas: a province's budget split into city quotas, drawn on by
the enterprises of each city first, moved between cities by a program
manager, followed by the ledger and proved by check_ledger."""

from decimal import Decimal

import pytest
from django.db import transaction

from accounts.roles import Role
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from tests.factories import (
    ProviderFactory,
    make_open_program,
    make_role_user,
    version_changed,
)
from tests.vouchers.test_concurrency import sme_applicant, submitted
from vouchers import error_codes
from vouchers.issuance.selectors import availability, quota_region
from vouchers.ledger.checks import check_ledger
from vouchers.ledger.selectors import budget_remaining, quota_rows, quota_unused
from vouchers.ledger.services import quota_account, transfer
from vouchers.models import Application, LedgerAccount
from vouchers.programs import services as programs
from vouchers.programs.params import ParamsError, ProgramParams
from vouchers.review import services as review

pytestmark = pytest.mark.django_db

S = Application.Status
HANGZHOU, NINGBO = "330100", "330200"
SUBSIDY = Decimal("10000.00")  # of each application (tests.vouchers.test_concurrency)


def quota_program(code="TEST-QUOTA-2026", **changes):
    """A province program of 100,000: 30,000 for Hangzhou, 20,000 for
    Ningbo, 50,000 shared; one (city) review stage."""
    params = {
        "review_stages": ["city"],
        "budget": {"province": "100000.00"},
        "cap_per_enterprise_year": "1000000.00",
        "quotas": {HANGZHOU: "30000.00", NINGBO: "20000.00"},
    } | changes
    return make_open_program(code, region="330000", **params)


def final(program, region="330106", number="HT-Q-1") -> Application:
    user, enterprise = sme_applicant()
    if region != "330106":
        enterprise.region_id = region
        enterprise.save(update_fields=["region"])
    return submitted(program, user, enterprise, ProviderFactory(), number)


def approve(app):
    reviewer = make_role_user(Role.REVIEWER, region=app.enterprise.region_id[:4] + "00")
    return review.application_approve(application=app, reviewer=reviewer)


def unused(program):
    return quota_unused(program)


def test_opening_allots_each_city_its_quota_and_keeps_the_rest_shared():
    program = quota_program()
    assert unused(program) == {
        HANGZHOU: Decimal("30000.00"),
        NINGBO: Decimal("20000.00"),
        None: Decimal("50000.00"),
    }
    assert budget_remaining(program) == Decimal("100000.00")
    assert check_ledger() == []


def test_an_enterprise_draws_on_its_citys_quota_first():
    program = quota_program()
    approve(final(program))
    assert unused(program)[HANGZHOU] == Decimal("20000.00")
    assert unused(program)[None] == Decimal("50000.00")
    [hangzhou, ningbo, shared] = quota_rows(program)
    assert (hangzhou.region, hangzhou.allotted, hangzhou.drawn) == (
        HANGZHOU,
        Decimal("30000.00"),
        SUBSIDY,
    )
    assert (ningbo.region, ningbo.drawn) == (NINGBO, Decimal("0.00"))
    assert (shared.region, shared.unused) == (None, Decimal("50000.00"))
    assert check_ledger() == []


def test_an_enterprise_without_a_quota_draws_on_the_shared_budget():
    program = quota_program()
    approve(final(program, region="330402"))  # Jiaxing
    assert unused(program)[None] == Decimal("40000.00")
    assert unused(program)[HANGZHOU] == Decimal("30000.00")


def test_a_used_up_quota_falls_back_on_the_shared_budget_only_where_allowed():
    program = quota_program(quotas={HANGZHOU: "5000.00"})
    # 5,000 from Hangzhou's quota, 5,000 from the shared budget
    app = final(program)
    assert availability(app).amount == SUBSIDY
    approve(app)
    assert unused(program) == {HANGZHOU: Decimal("0.00"), None: Decimal("90000.00")}

    closed = quota_program(
        "TEST-QUOTA-ONLY-2026", quotas={HANGZHOU: "5000.00"}, quota_shared_pool=False
    )
    app = final(closed, number="HT-Q-2")
    assert availability(app).budget_remaining == Decimal("5000.00")
    with pytest.raises(ApplicationError) as refused:
        approve(app)
    assert refused.value.code == error_codes.AMOUNT_CHANGED  # only 5,000 left here
    assert check_ledger() == []


def test_a_manager_moves_unused_quota_with_a_reason():
    program = quota_program()
    manager = make_role_user(Role.PROGRAM_MANAGER)
    programs.program_quota_move(
        program=program,
        from_region=NINGBO,
        to_region=HANGZHOU,
        amount=Decimal("5000.00"),
        reason="宁波申报不足，调剂至杭州",
        actor=manager,
    )
    assert unused(program)[HANGZHOU] == Decimal("35000.00")
    assert unused(program)[NINGBO] == Decimal("15000.00")
    event = AuditEvent.objects.get(action="program.quota_moved")
    assert event.after["reason"] == "宁波申报不足，调剂至杭州"
    assert event.after["unused"][HANGZHOU] == "35000.00"
    # a move is not a new quota: the version's quotas still match
    assert check_ledger() == []


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"amount": Decimal("20000.01")}, "amount", error_codes.QUOTA_UNUSED),
        ({"reason": ""}, "reason", error_codes.INVALID),
        ({"to_region": "330300"}, "to_region", error_codes.QUOTA_REGION),
        ({"to_region": NINGBO}, "to_region", error_codes.INVALID),
        ({"amount": Decimal("0")}, "amount", error_codes.INVALID),
    ],
)
def test_a_move_that_cannot_be_made_is_refused_and_moves_nothing(changes, field, code):
    program = quota_program()
    fields = {
        "from_region": NINGBO,
        "to_region": HANGZHOU,
        "amount": Decimal("1000.00"),
        "reason": "调剂",
    } | changes
    with pytest.raises(ApplicationError) as refused:
        programs.program_quota_move(
            program=program, actor=make_role_user(Role.PROGRAM_MANAGER), **fields
        )
    assert (refused.value.field, refused.value.code) == (field, code)
    assert unused(program)[NINGBO] == Decimal("20000.00")
    assert not AuditEvent.objects.filter(action="program.quota_moved").exists()


def test_only_a_program_manager_moves_quota():
    program = quota_program()
    with pytest.raises(ApplicationError):
        programs.program_quota_move(
            program=program,
            from_region=NINGBO,
            to_region=None,
            amount=Decimal("1000.00"),
            reason="调剂",
            actor=make_role_user(Role.REVIEWER, region="330100"),
        )


def test_a_new_version_cuts_and_raises_quotas_as_far_as_they_are_unused():
    program = quota_program()
    approve(final(program))  # 10,000 of Hangzhou's quota committed
    base = program.versions.latest("number").params
    version_changed(
        program=program,
        params={**base, "quotas": {HANGZHOU: "12000.00", NINGBO: "40000.00"}},
    )
    assert unused(program) == {
        HANGZHOU: Decimal("2000.00"),
        NINGBO: Decimal("40000.00"),
        None: Decimal("48000.00"),
    }
    assert check_ledger() == []
    with pytest.raises(ApplicationError) as refused:
        version_changed(
            program=program, params={**base, "quotas": {HANGZHOU: "5000.00"}}
        )
    assert refused.value.code == error_codes.BUDGET_BELOW_COMMITTED
    assert check_ledger() == []


def test_check_ledger_finds_an_allotment_the_version_does_not_give():
    program = quota_program()
    [pool] = LedgerAccount.objects.filter(program=program, kind="budget")
    with transaction.atomic():
        transfer(
            debit=pool,
            credit=quota_account(program, HANGZHOU, "province"),
            amount=Decimal("1.00"),
            kind="quota_allocated",
            key="test:quota:1",
        )
    assert [str(v) for v in check_ledger()] == [
        f"program {program.pk}: {HANGZHOU} was allotted 30001.00, its quota is 30000.00"
    ]


def test_the_quota_of_an_enterprise_is_its_county_or_its_city():
    assert quota_region({HANGZHOU, "330106"}, "330106") == "330106"
    assert quota_region({HANGZHOU, "330106"}, "330108") == HANGZHOU
    assert quota_region({HANGZHOU}, "330206") is None


@pytest.mark.parametrize(
    ("quotas", "path"),
    [
        ({"330300": "1.00"}, "quotas.330300"),  # Wenzhou: outside Hangzhou
        ({"330106": "1.00", "330100": "1.00"}, None),  # the city's own quota
        ({"999999": "1.00"}, "quotas.999999"),
    ],
)
def test_quotas_outside_the_program_or_inside_another_are_refused(quotas, path):
    errors = programs.quota_problems(
        {k: Decimal(v) for k, v in quotas.items()},
        make_open_program("TEST-HZ-Q-2026").region,
    )
    if path == "quotas.330300" or path == "quotas.999999":
        assert path in errors
    else:
        # Xihu lies in Hangzhou, which has a quota; Hangzhou is the program's
        # own region
        assert set(errors) == {"quotas.330106", "quotas.330100"}


def test_quotas_above_the_budget_or_malformed_are_refused():
    from tests.factories import program_params

    with pytest.raises(ParamsError) as bad:
        ProgramParams.from_json(
            program_params(quotas={HANGZHOU: "999999999.00", "33": "1.00"})
        )
    assert "quotas" in bad.value.errors
    assert "quotas.33" in bad.value.errors


def test_the_program_page_shows_the_quotas_rolled_up_and_moves_them(client):
    from django.urls import reverse

    program = quota_program()
    approve(final(program))
    manager = make_role_user(Role.PROGRAM_MANAGER)
    client.sign_in(manager, language="zh-hans")
    page = reverse("programs:detail", args=[program.code])
    content = client.get(page).content.decode()
    assert 'data-testid="quotas"' in content
    assert "杭州市" in content
    assert "宁波市" in content
    assert "20,000.00" in content  # Hangzhou unused after 10,000 drawn
    assert 'data-testid="quota-unused-total">90,000.00' in content
    response = client.post(
        reverse("programs:quota-move", args=[program.code]),
        {
            "from_region": NINGBO,
            "to_region": "",
            "amount": "30000.00",
            "reason": "调剂",
        },
    )
    assert response.status_code == 302
    assert "仅有 20,000.00 元未使用" in client.get(page).content.decode()
    assert unused(program)[NINGBO] == Decimal("20000.00")
    client.post(
        reverse("programs:quota-move", args=[program.code]),
        {"from_region": NINGBO, "to_region": "", "amount": "5000.00", "reason": "调剂"},
    )
    assert unused(program)[None] == Decimal("55000.00")


@pytest.mark.django_db(databases=[])
def test_quotas_in_words_name_the_cities_without_the_database():
    from django.utils import translation

    from tests.factories import program_params
    from vouchers.programs.describe import describe_params

    params = program_params(quotas={HANGZHOU: "1000.00"})
    with translation.override("zh-hans"):
        rows = {r["key"]: r["text"] for s in describe_params(params) for r in s["rows"]}
    assert rows["quotas"].startswith("杭州市 1,000.00")
