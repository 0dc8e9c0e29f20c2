"""Factories of vouchers ready to be charged, and of charges (made through
the services, like every other state)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from enterprises.models import Offering, Provider
from vouchers.models import Redemption, Voucher
from vouchers.redemption.services import Charge, redemption_charge

from .accounts import UserFactory
from .enterprises import ProviderFactory, membership
from .vouchers import ApplicationFactory


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    provider = factory.SubFactory(ProviderFactory)
    kind = Offering.Kind.COMPUTE
    name = factory.Sequence(lambda n: f"A100 GPU 卡时 {n}")
    unit = Offering.Unit.GPU_CARD_HOUR
    list_price = Decimal("12.5000")


@dataclass
class ChargeSetup:
    """A voucher of 200,000.00 yuan on the Hangzhou compute program (which
    deducts at the provider), the enterprise's applicant, and a provider
    with one compute offering at 12.50 yuan per GPU card-hour and a staff
    member."""

    voucher: Voucher
    applicant: object
    provider: Provider
    offering: Offering
    staff: object

    def charge(self, **changes) -> Charge:
        """A charge of 100 card-hours at the list price (1,250.00 yuan)
        for the last days, with a fresh invoice number."""
        today = timezone.localdate()
        base = Charge(
            voucher_code=self.voucher.code,
            credit_code=self.voucher.enterprise.uscc,
            offering_id=self.offering.pk,
            quantity=Decimal("100"),
            unit_price=self.offering.list_price,
            period_start=max(
                today.replace(day=1), timezone.localdate(self.voucher.issued_at)
            ),
            period_end=today,
            invoice_number=f"FP{next(_invoices):08d}",
        )
        return replace(base, **changes)

    def hold(self, **changes) -> Redemption:
        return redemption_charge(
            provider=self.provider, charge=self.charge(**changes), actor=self.staff
        )


def _numbers():
    n = 0
    while True:
        n += 1
        yield n


_invoices = _numbers()


def charge_setup(**application) -> ChargeSetup:
    app = ApplicationFactory(approved=True, **application)
    provider = app.provider
    offering = OfferingFactory(provider=provider)
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    return ChargeSetup(
        voucher=app.voucher,
        applicant=app.created_by,
        provider=provider,
        offering=offering,
        staff=staff,
    )


__all__ = ["ChargeSetup", "OfferingFactory", "charge_setup"]
