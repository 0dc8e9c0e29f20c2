"""The program pages (vouchers/views_programs.py, vouchers/forms.py): the
list, creating a program through the form, new versions, the status flow,
reading versions, and who may do what."""

from __future__ import annotations

import types
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone, translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from enterprises.models import Region
from tests.factories import make_role_user, program_params
from vouchers.demo.programs import load_demo_programs
from vouchers.models import Program, ProgramChange, ProgramVersion
from vouchers.programs import services
from vouchers.programs import services as programs
from vouchers.programs.forms import ProgramCreateForm, ProgramEditForm
from vouchers.programs.params import ProgramParams

pytestmark = pytest.mark.django_db

S = Program.Status


@pytest.fixture(autouse=True)
def _program_urls(settings):
    """Serve the pages at /programs/ until config/urls.py includes them
    (then this does nothing)."""
    try:
        reverse("programs:list")
    except NoReverseMatch:
        import config.urls

        urlconf = types.ModuleType("program_pages_test_urls")
        urlconf.urlpatterns = [
            *config.urls.urlpatterns,
            path("programs/", include("vouchers.urls_programs")),
        ]
        settings.ROOT_URLCONF = urlconf


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def demo(db):
    load_demo_programs(actor=None)
    return {p.code: p for p in Program.objects.all()}


def valid_data(**overrides) -> dict:
    """A complete, valid new-program form."""
    data = {
        "code": "NB-COMPUTE-2027",
        "name_zh": "宁波市算力券",
        "name_en": "Ningbo compute voucher",
        "kind": "compute",
        "region": "330200",
        "opens_on": "2027-01-01",
        "closes_on": "2027-12-31",
        "eligible_size_classes": ["medium", "small", "micro"],
        "base_rate": "0.20",
        "rate_domestic": "0.30",
        "rate_other": "",
        "tier_1_max": "500000",
        "tier_1_rate": "0.50",
        "tier_1_sme_only": "on",
        "tier_2_max": "",
        "tier_2_rate": "",
        "tier_3_max": "",
        "tier_3_rate": "",
        "cap_per_enterprise_year": "8000000.00",
        "budget_province": "",
        "budget_city": "250000000",
        "budget_district": "10000000.50",
        "contract_signed_from": "2027-01-01",
        "contract_signed_to": "2027-12-31",
        "max_term_months": "12",
        "min_contract_amount": "0",
        "excluded_categories": ["storage", "network"],
        "voucher_validity_months": "12",
        "disbursement_mode": "deduct_at_provider",
        # Given in the wrong order: the form puts them upward.
        "review_stages": ["city", "county"],
        "rule_enterprise_type": "on",
        "enterprise_type_prefixes": "91, 92",
        "rule_region": "on",
        "rule_size_class": "on",
        "rule_credit": "on",
        "credit_lookback_years": "3",
        "benchmark_from_year": "",
        "benchmark_to_year": "",
        "benchmark_it_min": "",
        "benchmark_ai_min": "",
        "rule_contract": "on",
        "rule_provider": "on",
        "rule_related_party": "on",
        "related_party_outcome": "fail",
        "rule_one_contract_one_claim": "on",
        "rule_cap_budget": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def form_data(form) -> dict:
    """What a browser would send back for a form as rendered."""
    data = {}
    for bf in form:
        value = bf.value()
        if bf.widget_type == "checkbox":
            if value:
                data[bf.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bf.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bf.html_name] = str(value)
    return data


def counts() -> tuple[int, int, int]:
    return (
        Program.objects.count(),
        ProgramVersion.objects.count(),
        AuditEvent.objects.filter(object_type="vouchers.program").count(),
    )


# -- creating ---------------------------------------------------------------------


def test_manager_creates_a_program_through_the_form(client, program_manager):
    # given
    client.sign_in(program_manager, language="en")
    assert client.get(reverse("programs:create")).status_code == 200

    # when
    response = client.post(reverse("programs:create"), valid_data())

    # then
    program = Program.objects.get(code="NB-COMPUTE-2027")
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:detail", args=[program.code])
    assert program.status == S.DRAFT
    assert program.region_id == "330200"
    assert program.created_by == program_manager
    version = program.versions.get()
    assert version.number == 1
    assert version.created_by == program_manager
    params = version.params
    assert params["base_rate"] == "0.20"
    assert params["facility_rates"] == {"domestic": "0.30"}
    assert params["spend_tiers"] == [
        {"max_year_total": "500000.00", "rate": "0.50", "sme_only": True}
    ]
    assert params["cap_per_enterprise_year"] == "8000000.00"
    assert params["budget"] == {"city": "250000000.00", "district": "10000000.50"}
    assert params["review_stages"] == ["county", "city"]
    assert params["excluded_categories"] == ["storage", "network"]
    assert params["opens_on"] == "2027-01-01"
    assert params["rules"]["enterprise_type"] == {"allowed_prefixes": ["91", "92"]}
    assert params["rules"]["credit"] == {"lookback_years": 3}
    assert params["rules"]["related_party"] == {"outcome": "fail"}
    assert "benchmark_investment" not in params["rules"]
    event = AuditEvent.objects.get(
        action=actions.PROGRAM_CREATED, object_id=str(program.pk)
    )
    assert event.actor == program_manager
    assert event.after["version"] == 1


def test_new_program_form_offers_every_rule_in_order_with_its_title(
    client, program_manager
):
    # given
    client.sign_in(program_manager, language="en")

    # when
    html = client.get(reverse("programs:create")).content.decode()

    # then: titles in the page's language, in the rules' order
    titles = ["Enterprise type", "Registered region", "Size class", "Credit"]
    positions = [html.index(f"{t}</label>") for t in titles]
    assert positions == sorted(positions)
    assert 'name="rule_benchmark_investment"' in html
    assert "0.30 = 30%" in html


def test_the_form_speaks_chinese_by_default(client, program_manager):
    # given
    client.sign_in(program_manager, language="zh-hans")

    # when
    html = client.get(reverse("programs:create")).content.decode()

    # then: the rule titles come from the registry in Chinese
    assert "市场主体类型" in html
    assert "标杆企业投入门槛" in html


INVALID = [
    pytest.param({"base_rate": "1.5"}, "base_rate", "between 0 and 1", id="rate-1.5"),
    pytest.param(
        {"tier_2_max": "1000000", "tier_2_rate": "1.5"},
        "tier_2_rate",
        "between 0 and 1",
        id="tier-rate-1.5",
    ),
    pytest.param(
        {"cap_per_enterprise_year": "-5"},
        "cap_per_enterprise_year",
        "greater than or equal to 0",
        id="negative-cap",
    ),
    pytest.param(
        {"cap_per_enterprise_year": "0"},
        "cap_per_enterprise_year",
        "more than zero",
        id="zero-cap",
    ),
    pytest.param(
        {"opens_on": "2027-06-01", "closes_on": "2027-05-31"},
        "closes_on",
        "close after it opens",
        id="window-closes-before-it-opens",
    ),
    pytest.param(
        {"contract_signed_from": "2027-06-01", "contract_signed_to": "2027-01-01"},
        "contract_signed_to",
        "not be before the earliest",
        id="signing-window-reversed",
    ),
    pytest.param(
        {"budget_city": "", "budget_district": ""},
        "budget_province",
        "at least one funding source",
        id="no-budget",
    ),
    pytest.param(
        {"budget_city": "lots"}, "budget_city", "Enter a number", id="money-not-numeric"
    ),
    pytest.param(
        {"budget_city": "1,000,000"},
        "budget_city",
        "Enter a number",
        id="money-with-separators",
    ),
    pytest.param(
        {"tier_1_rate": ""},
        "tier_1_rate",
        "both the limit and the rate",
        id="tier-half-filled",
    ),
    pytest.param(
        {"review_stages": None}, "review_stages", "required", id="no-review-stage"
    ),
    pytest.param(
        {"rule_benchmark_investment": "on", "benchmark_from_year": "2018"},
        "benchmark_it_min",
        "Required when this rule is used",
        id="benchmark-without-minimums",
    ),
    pytest.param(
        {"enterprise_type_prefixes": "9"},
        "enterprise_type_prefixes",
        "two-character prefixes",
        id="bad-prefix",
    ),
    pytest.param({"code": "nb"}, "code", "3–40 capital letters", id="code-too-short"),
    pytest.param({"region": "999999"}, "region", "valid choice", id="unknown-region"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID)
def test_invalid_program_is_refused_beside_the_field(
    client, program_manager, overrides, field, message
):
    # given
    client.sign_in(program_manager, language="en")
    before = counts()

    # when
    response = client.post(reverse("programs:create"), valid_data(**overrides))

    # then
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "please correct the errors marked below" in html
    assert counts() == before


def test_several_mistakes_are_all_reported_at_once(client, program_manager):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = client.post(
        reverse("programs:create"),
        valid_data(
            base_rate="1.5",
            cap_per_enterprise_year="-1",
            closes_on="2026-12-31",
            budget_city="abc",
        ),
    )

    # then
    errors = response.context["form"].errors
    assert {"base_rate", "cap_per_enterprise_year", "closes_on", "budget_city"} <= set(
        errors
    )
    # "no budget at all" is not claimed while a budget field is merely wrong
    assert "budget_province" not in errors
    assert Program.objects.count() == 0


def test_duplicate_code_is_refused_beside_the_code(client, program_manager, demo):
    # given
    client.sign_in(program_manager, language="en")
    before = counts()

    # when: the code in another case is the same code
    response = client.post(
        reverse("programs:create"), valid_data(code="hz-compute-2026")
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "A program with this code already exists."
    ]
    assert 'id="id_code_error"' in response.content.decode()
    assert counts() == before


def test_param_paths_are_mapped_onto_form_fields():
    # given: a valid form whose only spend tier is in the second row
    form = ProgramCreateForm(
        valid_data(tier_1_max="", tier_1_rate="", tier_2_max="1000", tier_2_rate="0.4")
    )
    assert form.is_valid(), form.errors
    form.to_params()

    # when
    form.add_params_errors(
        {
            "spend_tiers.0.rate": ["tier rate"],
            "budget.city": ["city budget"],
            "facility_rates.other": ["other rate"],
            "rules.benchmark_investment.it_min": ["it min"],
            "rules.region": ["no parameters"],
            "mystery": ["unknown"],
        }
    )

    # then
    assert form.errors["tier_2_rate"] == ["tier rate"]
    assert form.errors["budget_city"] == ["city budget"]
    assert form.errors["rate_other"] == ["other rate"]
    assert form.errors["benchmark_it_min"] == ["it min"]
    assert form.errors["rule_region"] == ["no parameters"]
    assert form.non_field_errors() == ["mystery: unknown"]


# -- prefill and new versions -------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026"]
)
def test_from_params_and_to_params_round_trip(demo, code):
    # given
    params = demo[code].versions.get().params
    shown = ProgramEditForm.from_params(params)

    # when: sent back unchanged
    form = ProgramEditForm.from_params(params, data={**form_data(shown), "note": "x"})

    # then: the same parameters come back
    assert form.is_valid(), form.errors
    assert ProgramParams.from_json(form.to_params()).to_json() == params


def test_an_unchanged_version_is_refused_beside_the_form(client, program_manager, demo):
    # given
    program = demo["HZ-COMPUTE-2026"]
    params = program.versions.get().params
    shown = ProgramEditForm.from_params(params)
    client.sign_in(program_manager, language="en")

    # when: the form is sent back unchanged
    response = client.post(
        reverse("programs:edit", args=[program.code]),
        {**form_data(shown), "note": "x"},
    )

    # then: refused above the form, no new version
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Nothing has changed: change a parameter to make a new version."
    ]
    assert program.versions.count() == 1


def test_manager_changes_parameters_into_version_2(client, program_manager, demo):
    # given
    program = demo["HZ-COMPUTE-2026"]
    v1 = program.versions.get()
    v1_params = dict(v1.params)
    client.sign_in(program_manager, language="en")
    page = client.get(reverse("programs:edit", args=[program.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="0.20"' in html  # base rate, prefilled
    assert 'value="250000000.00"' in html  # city budget
    assert "Hangzhou compute voucher" in html  # identity, read-only
    assert 'name="code"' not in html
    data = form_data(page.context["form"])

    # when: the manager proposes (the program is open: four eyes)
    data.update(base_rate="0.25", budget_province="1000000", note="Higher base rate")
    response = client.post(reverse("programs:edit", args=[program.code]), data)

    # then: a proposal, nothing in force changed; its page says what changes
    assert response.status_code == 302, response.context["form"].errors
    change = ProgramChange.objects.get(program=program)
    assert response.url == reverse("programs:change", args=[program.code, change.pk])
    assert program.versions.count() == 1
    page = client.get(response.url)
    diff = {c["label"]: (c["before"], c["after"]) for c in page.context["changes"]}
    under = " (under Article 5 of 杭州市算力券实施细则)"  # the rate's article
    assert diff["Base rate"] == ("20%" + under, "25%" + under)
    assert page.context["may_withdraw"]
    assert not page.context["may_decide"]
    assert 'data-testid="change-approve"' not in page.content.decode()
    # the proposer's own approval is refused, even posted by hand
    client.post(
        reverse("programs:change", args=[program.code, change.pk]),
        {"action": "approve"},
    )
    assert program.versions.count() == 1

    # when: a second program manager approves
    second = make_role_user(Role.PROGRAM_MANAGER)
    client.sign_in(second, language="en")
    page = client.get(reverse("programs:change", args=[program.code, change.pk]))
    assert page.context["may_decide"]
    response = client.post(
        reverse("programs:change", args=[program.code, change.pk]),
        {"action": "approve"},
    )

    # then
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.params == v1_params
    v2 = program.versions.get(number=2)
    assert v2.params["base_rate"] == "0.25"
    assert v2.params["budget"] == {"city": "250000000.00", "province": "1000000.00"}
    assert v2.note == "Higher base rate"
    assert v2.created_by == program_manager
    assert v2.change.decided_by == second
    assert AuditEvent.objects.filter(
        action=actions.PROGRAM_VERSION_CREATED, object_id=str(program.pk)
    ).exists()
    detail = client.get(reverse("programs:detail", args=[program.code]))
    body = detail.content.decode()
    assert 'data-testid="version-1"' in body
    assert 'data-testid="version-2"' in body
    assert 'data-testid="program-changes"' in body
    assert "Higher base rate" in body
    assert "25%" in body  # version 2 is in force
    version_page = client.get(reverse("programs:version", args=[program.code, 2]))
    assert "Base rate" in version_page.context["changed"]
    assert version_page.status_code == 200
    v1_page = client.get(reverse("programs:version", args=[program.code, 1]))
    assert "20%" in v1_page.content.decode()


def test_a_second_manager_rejects_a_change_with_a_reason(client, program_manager, demo):
    # given: a proposal
    program = demo["HZ-COMPUTE-2026"]
    change = programs.program_change_propose(
        program=program, params=program_params(base_rate="0.3"), actor=program_manager
    )
    second = make_role_user(Role.PROGRAM_MANAGER)
    client.sign_in(second, language="en")
    url = reverse("programs:change", args=[program.code, change.pk])

    # when: rejected without a reason, then with one
    page = client.post(url, {"action": "reject", "reason": ""})
    assert page.status_code == 200
    assert page.context["reject_form"].errors["reason"]
    response = client.post(url, {"action": "reject", "reason": "Not costed"})

    # then
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decision_reason) == ("rejected", "Not costed")
    assert program.versions.count() == 1


def test_an_open_change_sends_the_edit_link_to_it(client, program_manager, demo):
    program = demo["HZ-COMPUTE-2026"]
    change = programs.program_change_propose(
        program=program, params=program_params(base_rate="0.3"), actor=program_manager
    )
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER), language="en")
    response = client.get(reverse("programs:edit", args=[program.code]))
    assert response.url == reverse("programs:change", args=[program.code, change.pk])
    home = client.get("/")
    assert any(
        t.kind == "program-changes"
        for g in home.context["sections"]
        for t in g["todos"]
    )


def test_a_version_can_be_scheduled_for_later(client, program_manager, demo):
    # given
    program = demo["ZJ-MODEL-2026"]
    client.sign_in(program_manager, language="en")
    data = form_data(
        client.get(reverse("programs:edit", args=[program.code])).context["form"]
    )
    later = timezone.localtime() + timedelta(days=30)

    # when
    data.update(
        base_rate="0.35",
        note="From next month",
        effective_from=later.strftime("%Y-%m-%dT%H:%M"),
    )
    response = client.post(reverse("programs:edit", args=[program.code]), data)

    # then: proposed; approved by a second manager, version 1 stays in
    # force until then
    assert response.status_code == 302
    change = ProgramChange.objects.get(program=program)
    programs.program_change_approve(
        change=change, actor=make_role_user(Role.PROGRAM_MANAGER)
    )
    detail = client.get(reverse("programs:detail", args=[program.code]))
    assert detail.context["current"].number == 1
    assert "scheduled" in detail.content.decode()


def test_a_version_cannot_take_effect_in_the_past(client, program_manager, demo):
    # given
    program = demo["ZJ-MODEL-2026"]
    client.sign_in(program_manager, language="en")
    data = form_data(
        client.get(reverse("programs:edit", args=[program.code])).context["form"]
    )
    data.update(base_rate="0.35", note="Backdated", effective_from="2026-02-01T00:00")

    # when
    response = client.post(reverse("programs:edit", args=[program.code]), data)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["effective_from"] == [
        "A new version cannot take effect in the past."
    ]
    assert program.versions.count() == 1


def test_invalid_change_is_refused_beside_the_field(client, program_manager, demo):
    # given
    program = demo["HZ-COMPUTE-2026"]
    client.sign_in(program_manager, language="en")
    data = form_data(
        client.get(reverse("programs:edit", args=[program.code])).context["form"]
    )
    data.update(tier_1_rate="2", note="")

    # when
    response = client.post(reverse("programs:edit", args=[program.code]), data)

    # then
    errors = response.context["form"].errors
    assert set(errors) == {"tier_1_rate", "note"}
    assert program.versions.count() == 1


def test_archived_program_cannot_be_edited(client, program_manager, demo):
    # given
    program = demo["ZJ-MODEL-2026"]
    for status in (S.CLOSED, S.ARCHIVED):
        services.program_set_status(program=program, to_status=status, actor=None)
    client.sign_in(program_manager, language="en")
    params = program.versions.get().params

    # when
    page = client.get(reverse("programs:edit", args=[program.code]), follow=True)
    post = client.post(
        reverse("programs:edit", args=[program.code]),
        {**form_data(ProgramEditForm.from_params(params)), "base_rate": "0.4"},
    )

    # then
    assert page.redirect_chain[-1][0] == reverse("programs:detail", args=[program.code])
    assert "An archived program cannot be changed." in page.content.decode()
    assert 'data-testid="program-edit"' not in page.content.decode()
    assert post.status_code == 302
    assert program.versions.count() == 1


# -- status ----------------------------------------------------------------------------


def test_open_close_reopen_and_archive(client, program_manager):
    # given: a draft made through the form
    client.sign_in(program_manager, language="en")
    client.post(reverse("programs:create"), valid_data())
    program = Program.objects.get(code="NB-COMPUTE-2027")
    url = reverse("programs:status", args=[program.code])
    detail = reverse("programs:detail", args=[program.code])
    assert 'data-testid="status-open"' in client.get(detail).content.decode()

    # when / then
    for to_status in (S.OPEN, S.CLOSED, S.OPEN, S.CLOSED, S.ARCHIVED):
        response = client.post(url, {"to_status": to_status})
        assert response.status_code == 302
        assert response["Location"] == detail
        program.refresh_from_db()
        assert program.status == to_status
    events = AuditEvent.objects.filter(
        action=actions.PROGRAM_STATUS_CHANGED, object_id=str(program.pk)
    ).order_by("id")
    assert [e.after["status"] for e in events] == [
        "open",
        "closed",
        "open",
        "closed",
        "archived",
    ]
    page = client.get(detail).content.decode()
    assert "Closed → Archived" in page  # the history
    assert 'data-testid="program-status-actions"' not in page  # nothing left to do


@pytest.mark.parametrize(
    ("path", "to_status"),
    [
        pytest.param((), S.CLOSED, id="draft-to-closed"),
        pytest.param((S.OPEN,), S.ARCHIVED, id="open-to-archived"),
        pytest.param((S.ARCHIVED,), S.OPEN, id="archived-to-open"),
        pytest.param((), "published", id="unknown-status"),
    ],
)
def test_forbidden_transition_is_refused_with_a_message(
    client, program_manager, path, to_status
):
    # given
    client.sign_in(program_manager, language="en")
    client.post(reverse("programs:create"), valid_data())
    program = Program.objects.get(code="NB-COMPUTE-2027")
    for status in path:
        services.program_set_status(program=program, to_status=status, actor=None)
    program.refresh_from_db()
    before = program.status

    # when
    response = client.post(
        reverse("programs:status", args=[program.code]),
        {"to_status": to_status},
        follow=True,
    )

    # then
    program.refresh_from_db()
    assert program.status == before
    message = [str(m) for m in response.context["messages"]][-1]
    assert "cannot become" in message or "Choose a status" in message


def test_status_takes_post_only(client, program_manager, demo):
    client.sign_in(program_manager, language="en")
    response = client.get(reverse("programs:status", args=["HZ-COMPUTE-2026"]))
    assert response.status_code == 405


# -- reading ------------------------------------------------------------------------------


def test_list_has_status_tabs_with_counts(client, program_manager, demo):
    # given: three open demo programs and one draft
    client.sign_in(program_manager, language="en")
    client.post(reverse("programs:create"), valid_data())

    # when
    everything = client.get(reverse("programs:list"))
    drafts = client.get(reverse("programs:list"), {"status": "draft"})

    # then
    html = everything.content.decode()
    assert "All (4)" in html
    assert "Open (3)" in html
    assert "Draft (1)" in html
    assert "Archived (0)" in html
    assert 'data-testid="program-new"' in html
    assert "250,000,000.00" in html  # Hangzhou's budget
    assert [r["program"].code for r in drafts.context["rows"]] == ["NB-COMPUTE-2027"]


def test_detail_shows_parameters_readably(client, auditor, demo):
    # given
    client.sign_in(auditor, language="en")

    # when
    html = client.get(reverse("programs:detail", args=["ZJ-BENCHMARK-2026"]))
    body = html.content.decode()

    # then
    assert html.status_code == 200
    assert "Domestic compute facility" in body
    assert "30%" in body
    assert "2,000,000.00 yuan" in body  # the cap
    assert "50,000,000.00 yuan" in body  # the budget
    assert "Benchmark investment" in body
    assert "IT investment in 2018–2023 above 10,000,000.00 yuan" in body
    assert "credit codes starting with 91" in body
    assert "City → Province" in body
    assert "Program created" in body  # the history
    assert 'data-testid="program-edit"' not in body  # readers do not edit
    assert 'data-testid="program-status-actions"' not in body


def test_unknown_program_or_version_is_404(client, auditor, demo):
    client.sign_in(auditor, language="en")
    assert client.get(reverse("programs:detail", args=["NOPE-2026"])).status_code == 404
    assert (
        client.get(reverse("programs:version", args=["HZ-COMPUTE-2026", 9])).status_code
        == 404
    )


# -- who may do what --------------------------------------------------------------------


def _urls(code="HZ-COMPUTE-2026"):
    return {
        "list": reverse("programs:list"),
        "detail": reverse("programs:detail", args=[code]),
        "version": reverse("programs:version", args=[code, 1]),
        "create": reverse("programs:create"),
        "edit": reverse("programs:edit", args=[code]),
        "status": reverse("programs:status", args=[code]),
    }


@pytest.mark.parametrize("reader", ["auditor", "reviewer"])
def test_auditors_and_reviewers_read_but_do_not_write(client, request, demo, reader):
    # given
    client.sign_in(request.getfixturevalue(reader), language="en")
    urls = _urls()
    before = counts()

    # when / then
    for name in ("list", "detail", "version"):
        assert client.get(urls[name]).status_code == 200, name
    assert 'data-testid="program-new"' not in client.get(urls["list"]).content.decode()
    assert client.get(urls["create"]).status_code == 403
    assert client.post(urls["create"], valid_data()).status_code == 403
    assert client.get(urls["edit"]).status_code == 403
    assert client.post(urls["edit"], {"note": "x"}).status_code == 403
    assert client.post(urls["status"], {"to_status": "closed"}).status_code == 403
    assert counts() == before
    assert Program.objects.get(code="HZ-COMPUTE-2026").status == S.OPEN


def test_applicant_gets_403_everywhere(client, applicant, demo):
    client.sign_in(applicant, language="en")
    for name, url in _urls().items():
        assert client.get(url).status_code == 403, name
    assert client.post(_urls()["create"], valid_data()).status_code == 403
    assert Program.objects.count() == 3


def test_anonymous_is_sent_to_login(client, demo):
    for name, url in _urls().items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
        assert f"next={url}" in response["Location"].replace("%2F", "/"), name
    response = client.post(_urls()["status"], {"to_status": "closed"})
    assert response.status_code == 302
    assert Program.objects.get(code="HZ-COMPUTE-2026").status == S.OPEN


def test_money_is_kept_as_decimal_strings(client, program_manager):
    # given: amounts a float would round
    client.sign_in(program_manager, language="en")

    # when
    client.post(
        reverse("programs:create"),
        valid_data(cap_per_enterprise_year="12345678901234.01", tier_1_rate="0.3333"),
    )

    # then
    params = ProgramVersion.objects.get().params
    assert params["cap_per_enterprise_year"] == "12345678901234.01"
    assert Decimal(params["spend_tiers"][0]["rate"]) == Decimal("0.3333")


def test_the_form_shows_and_changes_the_articles_of_the_rate_and_the_cap(
    client, program_manager, demo
):
    # given: the edit form, prefilled with the version's step citations
    program = demo["HZ-COMPUTE-2026"]
    client.sign_in(program_manager, language="en")
    page = client.get(reverse("programs:edit", args=[program.code]))
    form = page.context["form"]
    assert form["cite_rate"].value() == "杭州市算力券实施细则 第五条"
    assert form["cite_cap_remaining"].value() == "杭州市算力券实施细则 第六条"
    data = form_data(form)

    # when: an article the document does not list
    refused = client.post(
        reverse("programs:edit", args=[program.code]),
        {**data, "cite_cap_remaining": "杭州市算力券实施细则 第九条", "note": "x"},
    )

    # then: refused beside its field
    assert refused.status_code == 200
    assert refused.context["form"].errors["cite_cap_remaining"] == [
        "《杭州市算力券实施细则》 as this version lists it has no article 第九条."
    ]

    # when: the cap cited under 第五条 instead
    response = client.post(
        reverse("programs:edit", args=[program.code]),
        {**data, "cite_cap_remaining": "杭州市算力券实施细则 第五条", "note": "x"},
    )

    # then: a proposal whose only change is the cap's article
    assert response.status_code == 302, response.context["form"].errors
    change = ProgramChange.objects.get(program=program)
    assert change.params["citations"]["cap_remaining"] == {
        "document": "杭州市算力券实施细则",
        "article": "第五条",
    }
    assert change.params["citations"]["rate"] == {
        "document": "杭州市算力券实施细则",
        "article": "第五条",
    }
    diff = client.get(response.url).context["changes"]
    assert [(c["label"], c["before"], c["after"]) for c in diff] == [
        (
            "Cap per enterprise per year",
            "8,000,000.00 yuan (under Article 6 of 杭州市算力券实施细则)",
            "8,000,000.00 yuan (under Article 5 of 杭州市算力券实施细则)",
        )
    ]


# -- who did it ------------------------------------------------------------------


def test_the_program_pages_name_who_acted_not_their_address(client, demo):
    # given: a program created by one manager, changed by a second and the
    # change approved by a third
    people = {
        name: make_role_user(Role.PROGRAM_MANAGER, region="330000", full_name=name)
        for name in ("王建国", "李娜", "张伟")
    }
    creator, proposer, decider = people.values()
    program = services.program_create(
        code="NB-COMPUTE-2027",
        name_zh="宁波市算力券",
        name_en="Ningbo compute voucher",
        kind="compute",
        region=Region.objects.get(code="330200"),
        params=program_params(),
        actor=creator,
    )
    services.program_set_status(program=program, to_status=S.OPEN, actor=creator)
    change = programs.program_change_propose(
        program=program, params=program_params(base_rate="0.25"), actor=proposer
    )
    programs.program_change_approve(change=change, actor=decider)
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER, region="330000"))

    # when
    pages = {
        "detail": client.get(reverse("programs:detail", args=[program.code])),
        "version 1": client.get(reverse("programs:version", args=[program.code, 1])),
        "version 2": client.get(reverse("programs:version", args=[program.code, 2])),
        "change": client.get(
            reverse("programs:change", args=[program.code, change.pk])
        ),
    }

    # then: names, never the addresses
    html = {key: page.content.decode() for key, page in pages.items()}
    assert all(page.status_code == 200 for page in pages.values())
    assert all(
        user.email not in content
        for user in people.values()
        for content in html.values()
    ), "an e-mail address names who acted"
    versions = html["detail"].split('data-testid="program-versions"')[1]
    versions = versions.split("</table>")[0]
    assert "王建国" in html["detail"].split(versions)[0]  # created the program
    assert "王建国" in versions  # version 1
    assert "李娜" in versions  # version 2, made from the change she proposed
    assert "王建国" in html["version 1"]
    assert "李娜" in html["version 2"]
    assert "李娜" in html["change"]  # proposed by
    assert "张伟" in html["change"]  # decided by


def test_a_person_without_a_name_is_named_by_their_address(client, demo):
    # given: a manager who gave no name
    nameless = make_role_user(
        Role.PROGRAM_MANAGER, region="330000", full_name="", email="anon@example.com"
    )
    program = services.program_create(
        code="NB-COMPUTE-2028",
        name_zh="宁波市算力券",
        name_en="Ningbo compute voucher",
        kind="compute",
        region=Region.objects.get(code="330200"),
        params=program_params(),
        actor=nameless,
    )
    client.sign_in(make_role_user(Role.PROGRAM_MANAGER, region="330000"))

    # when
    page = client.get(reverse("programs:detail", args=[program.code]))

    # then: as the program's creator and as version 1's
    html = page.content.decode()
    created = html.split('data-testid="program-versions"')[0]
    versions = html.split('data-testid="program-versions"')[1].split("</table>")[0]
    assert created.count("anon@example.com") == 1
    assert versions.count("anon@example.com") == 1
