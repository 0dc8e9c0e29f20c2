"""Invoice numbers (issue 12): one check of their form for every place one
is entered (vouchers.invoices.invoice_number_clean, called by the charge and
the reimbursement services, so by their forms and the provider API), and
one invoice per issuer across both modes (the invoice register)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from config.exceptions import ApplicationError
from tests.factories.redemption import ChargeSetup, charge_setup
from tests.vouchers.test_reimbursement import submit, voucher_setup, writes
from vouchers import error_codes
from vouchers.invoices import invoice_number_clean
from vouchers.provider_api.services import api_key_create

TODAY = date(2026, 12, 8)
FULLY_DIGITAL = "26332000000000012345"  # 2026, Zhejiang (33)
__all__ = ["voucher_setup"]  # the fixture, for the tests below


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# -- the form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "registered"),
    [
        (FULLY_DIGITAL, FULLY_DIGITAL),
        ("2633 2000 0000 0001 2345", FULLY_DIGITAL),  # as printed, in groups
        ("21110000000000000001", "21110000000000000001"),  # the first year
        ("1100203130-12345678", "1100203130-12345678"),  # older VAT: code-number
        ("033002100611 12345678", "033002100611-12345678"),  # 12-digit code
        ("1100203130/12345678", "1100203130-12345678"),
        ("110020313012345678", "1100203130-12345678"),  # 18 digits in a row
    ],
)
def test_tax_invoice_numbers_are_accepted_everywhere(entered, registered):
    for own_reference in (True, False):
        assert (
            invoice_number_clean(entered, own_reference=own_reference, today=TODAY)
            == registered
        )


@pytest.mark.parametrize(
    ("entered", "words"),
    [
        ("20330000000000000001", "first two digits are the year"),  # 2020
        ("27330000000000000001", "first two digits are the year"),  # next year
        ("26052000000000000001", "province's tax region"),  # region 05
        ("12345678", "unique only with its invoice code"),
        ("1234567890123", "20 digits"),
        ("033002100611-1234567", "20 digits"),  # a 7-digit number
        ("９９", "Enter the number of the tax invoice"),  # not ASCII digits
    ],
)
def test_other_numbers_of_digits_are_refused(entered, words):
    with pytest.raises(ApplicationError) as raised:
        invoice_number_clean(entered, own_reference=False, today=TODAY)
    assert raised.value.code == error_codes.INVOICE_FORMAT
    assert raised.value.field == "invoice_number"
    assert words in raised.value.message


@pytest.mark.parametrize("entered", ["FP-2026-0001", " DEMO-123456-C001 ", "INV2026A"])
def test_a_providers_own_reference_is_accepted_for_charges_only(entered):
    assert invoice_number_clean(entered, own_reference=True, today=TODAY) == (
        entered.strip()
    )
    with pytest.raises(ApplicationError) as raised:
        invoice_number_clean(entered, own_reference=False, today=TODAY)
    assert raised.value.code == error_codes.INVOICE_FORMAT
    assert "fully digital invoice" in raised.value.message


@pytest.mark.parametrize("entered", ["", "   ", "X" * 41])
def test_a_missing_or_long_number_is_invalid(entered):
    with pytest.raises(ApplicationError) as raised:
        invoice_number_clean(entered, own_reference=True, today=TODAY)
    assert raised.value.code == error_codes.INVALID


# -- the services ------------------------------------------------------------------------


@pytest.fixture
def setup(media, db) -> ChargeSetup:
    return charge_setup()


@pytest.mark.django_db
def test_a_charge_registers_the_number_in_its_form(setup):
    # when
    charge = setup.hold(invoice_number="1100203130 12345678")

    # then
    assert charge.invoice_number == "1100203130-12345678"
    assert charge.invoice_use.invoice_number == "1100203130-12345678"


@pytest.mark.django_db
def test_a_charge_with_a_malformed_tax_invoice_writes_nothing(setup):
    # given
    before = writes()

    # when
    with pytest.raises(ApplicationError) as raised:
        setup.hold(invoice_number="12345678")

    # then
    assert raised.value.code == error_codes.INVOICE_FORMAT
    assert writes() == before


@pytest.mark.django_db
def test_a_reimbursement_needs_a_tax_invoices_number(media, voucher_setup):
    # given
    voucher, applicant, provider, _ = voucher_setup
    before = writes()

    # when
    with pytest.raises(ApplicationError) as raised:
        submit(voucher, applicant, provider, invoice_number="FP-2026-0001")

    # then
    assert raised.value.code == error_codes.INVOICE_FORMAT
    assert writes() == before
    r = submit(voucher, applicant, provider, invoice_number="1100203130/12345678")
    assert r.invoice_number == "1100203130-12345678"


@pytest.mark.django_db
def test_one_number_is_used_once_per_issuer_in_any_of_its_forms(media, setup):
    # given: a charge of one provider with an older VAT invoice
    setup.hold(invoice_number="1100203130-12345678")
    other = charge_setup()

    # when: the same invoice, written otherwise, by the same provider
    with pytest.raises(ApplicationError) as raised:
        setup.hold(invoice_number="110020313012345678")

    # then: refused; another issuer's invoice with that number is its own
    assert raised.value.code == error_codes.DUPLICATE_INVOICE
    assert other.hold(invoice_number="1100203130-12345678").invoice_number == (
        "1100203130-12345678"
    )


@pytest.mark.django_db
def test_a_fully_digital_invoice_backs_one_charge_of_its_issuer(setup):
    number = f"{TODAY:%y}332000000000099999"
    setup.hold(invoice_number=number)
    with pytest.raises(ApplicationError) as raised:
        setup.hold(invoice_number=number)
    assert raised.value.code == error_codes.DUPLICATE_INVOICE


@pytest.mark.django_db
def test_the_provider_api_answers_the_format_refusal(setup):
    # given
    _row, key = api_key_create(provider=setup.provider, user=setup.staff, name="计费")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    c = setup.charge()

    # when
    response = api.post(
        "/api/v1/redemptions/",
        {
            "voucher_code": c.voucher_code,
            "credit_code": c.credit_code,
            "offering": c.offering_id,
            "quantity": "100",
            "unit_price": "12.50",
            "period_start": c.period_start.isoformat(),
            "period_end": c.period_end.isoformat(),
            "invoice_number": "12345678",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-invoice",
    )

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invoice_format"
    assert "invoice_number" in body["errors"]
