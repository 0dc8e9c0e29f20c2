"""Model services and the list of filed generative-AI services (issue 12):
a charge against a model offering whose filing number is not on the list,
or is revoked there, is refused (service and provider API) with nothing
written; an application's screening looks the number up too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises import services as register
from enterprises.models import GenAIFiling, Offering
from tests.factories import ProviderFactory, UserFactory, membership
from tests.factories.redemption import ChargeSetup, OfferingFactory, charge_setup
from tests.factories.vouchers import make_program, program_params
from vouchers import error_codes
from vouchers.applications.selectors import application_facts
from vouchers.ledger.selectors import voucher_balance
from vouchers.models import InvoiceUse, LedgerTransfer, Program, Redemption
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
    from tests.factories import ApplicationFactory, demo_program

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
