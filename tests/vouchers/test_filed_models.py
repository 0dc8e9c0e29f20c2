"""Model services and the list of filed generative-AI services (issue 12):
a charge against a model offering whose filing number is not on the list,
or is revoked there, is refused (service and provider API) with nothing
written; an application's screening looks the number up too; the
provider's charge form shows such an offering disabled with the refusal
beforehand, and the reviewer's page shows the offering's standing today."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises import services as register
from enterprises.models import GenAIFiling, Offering, Provider
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    UserFactory,
    demo_program,
    membership,
    stage_reviewer,
)
from tests.factories.redemption import ChargeSetup, OfferingFactory, charge_setup
from tests.factories.vouchers import make_program, program_params
from vouchers import error_codes
from vouchers.applications.selectors import application_facts
from vouchers.ledger.selectors import voucher_balance
from vouchers.models import (
    Application,
    InvoiceUse,
    LedgerTransfer,
    Program,
    Redemption,
)
from vouchers.programs import services as programs
from vouchers.provider_api.services import api_key_create

pytestmark = pytest.mark.django_db

FILED = "Zhejiang-ZJLLM-20250101"
PRICE = Decimal("0.0100")  # the model offerings' list price, per 1,000 tokens
REVOKED = "Zhejiang-OldLLM-20240101"
LIST = (
    "filing_number,model_name,filer_name,region,filed_on,revoked_on\n"
    f"{FILED},ZJ-LLM-7B,测试模型公司,浙江,,\n"
    f"{REVOKED},Old-LLM,测试模型公司,浙江,,2025-06-30\n"
).encode()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def open_program(code: str, kind: str) -> Program:
    """A program deducting at the provider (the Hangzhou parameters), of
    ``kind``; open."""
    return programs.program_set_status(
        program=make_program(code, kind=kind, params=program_params()),
        to_status=Program.Status.OPEN,
        actor=None,
    )


@pytest.fixture
def setup(media) -> ChargeSetup:
    """A voucher of a program that pays for any kind of service, at a
    provider of compute and models; the filing list imported."""
    register.filing_list_import(content=LIST)
    program = open_program("TEST-OTHER-2026", Program.Kind.OTHER)
    setup = charge_setup(program=program, provider=ProviderFactory(offers_model=True))
    return setup


def model_offering(setup: ChargeSetup, number: str) -> Offering:
    return OfferingFactory(
        provider=setup.provider,
        kind=Offering.Kind.MODEL,
        name=f"模型 API {number}",
        unit=Offering.Unit.THOUSAND_TOKENS,
        list_price=PRICE,
        model_name="ZJ-LLM-7B",
        filing_number=number,
    )


def written() -> tuple[int, int, int]:
    return (
        Redemption.objects.count(),
        InvoiceUse.objects.count(),
        LedgerTransfer.objects.count(),
    )


def test_a_model_service_on_the_list_is_charged(setup):
    # given
    offering = model_offering(setup, "zhejiang-zjllm-20250101")  # other capitals

    # when
    charge = setup.hold(
        offering_id=offering.pk, quantity=Decimal("1000"), unit_price=PRICE
    )

    # then
    assert charge.status == Redemption.Status.PENDING
    assert charge.amount == Decimal("10.00")


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("Beijing-Unknown-20240101", "is not on the list of filed generative-AI"),
        (REVOKED, "has been revoked"),
    ],
    ids=["absent", "revoked"],
)
def test_a_model_service_not_on_the_list_or_revoked_is_not_charged(
    setup, number, words
):
    # given
    offering = model_offering(setup, number)
    before, balance = written(), voucher_balance(setup.voucher)

    # when
    with pytest.raises(ApplicationError) as raised:
        setup.hold(offering_id=offering.pk, quantity=Decimal("1000"), unit_price=PRICE)

    # then
    assert raised.value.code == error_codes.OFFERING_NOT_FILED
    assert raised.value.field == "offering"
    assert words in raised.value.message
    assert number in raised.value.message
    assert written() == before
    assert voucher_balance(setup.voucher) == balance


def test_a_revocation_dated_later_still_allows_the_charge(setup):
    # given
    GenAIFiling.objects.filter(number_key=REVOKED.upper()).update(
        revoked_on=timezone.localdate() + timezone.timedelta(days=1)
    )
    offering = model_offering(setup, REVOKED)

    # then
    assert setup.hold(offering_id=offering.pk, unit_price=PRICE).offering == offering


def test_compute_offerings_need_no_filing(setup):
    assert setup.hold().offering == setup.offering


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "is not on the list of filed"),
        ("zh-hans", "不在生成式人工智能服务备案名单中"),
    ],
)
def test_the_provider_api_refuses_the_charge_with_its_code(setup, language, words):
    # given
    offering = model_offering(setup, "Beijing-Unknown-20240101")
    _row, key = api_key_create(provider=setup.provider, user=setup.staff, name="计费")
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    c = setup.charge(offering_id=offering.pk)
    before = written()

    # when
    response = api.post(
        "/api/v1/redemptions/",
        {
            "voucher_code": c.voucher_code,
            "credit_code": c.credit_code,
            "offering": offering.pk,
            "quantity": "1000",
            "unit_price": "0.0100",
            "period_start": c.period_start.isoformat(),
            "period_end": c.period_end.isoformat(),
            "invoice_number": c.invoice_number,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-filing",
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "offering_not_filed"
    assert words in response.json()["message"]
    assert written() == before


# -- screening ------------------------------------------------------------------


def test_the_screening_looks_the_offering_up_on_the_list(media):
    # given: a model program's application naming a model offering
    register.filing_list_import(content=LIST)
    provider = ProviderFactory(offers_compute=False, offers_model=True, facility="")
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    listed = model_offering(ChargeSetup(None, None, provider, None, staff), FILED)
    absent = model_offering(
        ChargeSetup(None, None, provider, None, staff), "Beijing-Unknown-20240101"
    )
    program = demo_program("ZJ-MODEL-2026")

    def provider_rule(offering):
        app = ApplicationFactory(
            submitted=True, program=program, provider=provider, offering=offering
        )
        facts = application_facts(app)
        rule = next(r for r in app.screening.result["rules"] if r["code"] == "provider")
        return facts.provider.offering_filing_status, rule["outcome"]

    # then
    assert provider_rule(listed) == ("listed", "pass")
    assert provider_rule(absent) == ("absent", "review")


# -- the provider's charge form --------------------------------------------------


def _options(content: str) -> dict[int, str]:
    """The offering picker's options by value: their tags as rendered."""
    select = content[content.index('name="offering"') :]
    select = select[: select.index("</select>")]
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r'<option value="(\d+)"[^>]*>[^<]*</option>', select)
    }


def test_the_charge_form_shows_offerings_it_cannot_charge_disabled_with_why(
    client, setup
):
    # given
    listed = model_offering(setup, FILED)
    revoked = model_offering(setup, REVOKED)
    absent = model_offering(setup, "Beijing-Unknown-20240101")
    client.sign_in(setup.staff, language="en")
    page = reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})

    # when
    content = client.get(page).content.decode()

    # then: the two the service would refuse are disabled and say why
    options = _options(content)
    assert "disabled" not in options[setup.offering.pk]  # compute: no filing
    assert "disabled" not in options[listed.pk]
    assert "data-list-price" in options[listed.pk]
    assert "disabled" in options[revoked.pk]
    assert "Filing revoked, cannot be charged" in options[revoked.pk]
    assert "disabled" in options[absent.pk]
    assert "Not on the filing list, cannot be charged" in options[absent.pk]
    # and the refusals the service would give, word for word, above the form
    notes = content[content.index('data-testid="offerings-not-filed"') :]
    notes = html.unescape(notes[: notes.index("</div>")])
    for offering in (revoked, absent):
        with pytest.raises(ApplicationError) as refused:
            setup.hold(offering_id=offering.pk, unit_price=PRICE)
        assert refused.value.message in notes


def test_the_charge_form_says_why_in_chinese(client, setup):
    # given
    revoked = model_offering(setup, REVOKED)
    client.sign_in(setup.staff, language="zh-hans")
    page = reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})

    # when
    content = client.get(page).content.decode()

    # then
    assert "（备案已注销，不能扣费）" in _options(content)[revoked.pk]
    assert "不能扣费：其模型的备案" in content


def test_the_charge_form_says_nothing_when_every_offering_is_filed(client, setup):
    # given
    model_offering(setup, FILED)
    client.sign_in(setup.staff, language="en")
    page = reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})

    # when
    content = client.get(page).content.decode()

    # then
    assert 'data-testid="offerings-not-filed"' not in content
    assert "disabled" not in "".join(_options(content).values())


def test_a_lone_unfiled_offering_is_not_chosen_for_the_clerk(client, setup):
    # given: the provider's only offering is a revoked model service
    Offering.objects.filter(pk=setup.offering.pk).update(is_active=False)
    revoked = model_offering(setup, REVOKED)
    client.sign_in(setup.staff, language="en")
    page = reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})

    # when
    content = client.get(page).content.decode()

    # then
    option = _options(content)[revoked.pk]
    assert "disabled" in option
    assert "selected" not in option


def test_an_unfiled_offering_posted_anyway_is_refused_beside_the_picker(client, setup):
    # given: a page opened before the filing was revoked
    offering = model_offering(setup, REVOKED)
    c = setup.charge(offering_id=offering.pk, unit_price=PRICE)
    client.sign_in(setup.staff, language="en")
    page = reverse("vouchers:charge-new", kwargs={"provider_pk": setup.provider.pk})
    before = written()

    # when
    response = client.post(
        page,
        {
            "voucher_code": c.voucher_code,
            "credit_code": c.credit_code,
            "offering": offering.pk,
            "quantity": "1000",
            "unit_price": "0.0100",
            "period_start": str(c.period_start),
            "period_end": str(c.period_end),
            "invoice_number": c.invoice_number,
        },
    )

    # then
    assert response.status_code == 400
    [error] = response.context["form"].errors["offering"]
    assert "has been revoked" in error
    assert written() == before


# -- the reviewer's application page -------------------------------------------------


@pytest.fixture
def model_provider(media) -> Provider:
    """A provider of model services with staff; the filing list imported."""
    register.filing_list_import(content=LIST)
    provider = ProviderFactory(offers_compute=False, offers_model=True, facility="")
    membership(UserFactory(), Role.PROVIDER_STAFF, provider)
    return provider


def model_application(provider: Provider, number: str) -> Application:
    """A model program's application naming a model offering with
    ``number``, submitted (and screened) now."""
    offering = OfferingFactory(
        provider=provider,
        kind=Offering.Kind.MODEL,
        name="模型 API",
        unit=Offering.Unit.THOUSAND_TOKENS,
        list_price=PRICE,
        model_name="ZJ-LLM-7B",
        filing_number=number,
    )
    return ApplicationFactory(
        submitted=True,
        program=demo_program("ZJ-MODEL-2026"),
        provider=provider,
        offering=offering,
    )


def filing_row(client, app: Application) -> str:
    """The filing row of the application's review page, as its reviewer
    reads it ("" when there is none)."""
    client.sign_in(stage_reviewer(app), language="en")
    response = client.get(reverse("review:detail", args=[app.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    if 'data-testid="offering-filing"' not in content:
        return ""
    row = content[content.index('data-testid="offering-filing"') :]
    return row[: row.index("</dd>")]


def status_span(css: str, label: str) -> str:
    return f'<span class="{css}" data-testid="offering-filing-status">{label}</span>'


@pytest.mark.parametrize(
    ("number", "css", "label"),
    [
        (FILED, "yes", "On the filing list"),
        ("Beijing-Unknown-20240101", "warn", "Not on the filing list"),
    ],
    ids=["listed", "absent"],
)
def test_the_review_page_shows_the_offerings_filing_and_its_number(
    client, model_provider, number, css, label
):
    # when
    row = filing_row(client, model_application(model_provider, number))

    # then
    assert number in row
    assert status_span(css, label) in row


def test_the_review_page_shows_a_revocation_made_after_the_submission(
    client, model_provider
):
    # given: the number was filed when the application was screened
    app = model_application(model_provider, FILED)
    assert status_span("yes", "On the filing list") in filing_row(client, app)

    # when: the list now says it is revoked
    GenAIFiling.objects.filter(number_key=FILED.upper()).update(
        revoked_on=timezone.localdate()
    )

    # then: the page says so, as a charge would be refused
    row = filing_row(client, app)
    assert FILED in row
    assert status_span("no", "Filing revoked") in row


def test_the_review_page_names_the_filing_in_chinese(client, model_provider):
    # given
    app = model_application(model_provider, "Beijing-Unknown-20240101")
    client.sign_in(stage_reviewer(app), language="zh-hans")

    # when
    content = client.get(reverse("review:detail", args=[app.pk])).content.decode()

    # then
    assert "<dt>生成式人工智能服务备案</dt>" in content
    assert status_span("warn", "不在备案名单中") in content


def test_the_review_page_of_a_compute_offering_shows_no_filing(client, setup):
    # given
    app = ApplicationFactory(
        submitted=True, provider=setup.provider, offering=setup.offering
    )

    # then
    assert filing_row(client, app) == ""
