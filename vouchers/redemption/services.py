"""Charges against a voucher at a provider (the program deducts at the
provider), one function per transition:

    charge ──hold (provider)──▶ pending ──confirm (enterprise, or the window passes)──▶ confirmed
                                pending ──void (provider)──▶ voided
                                pending ──dispute (enterprise)──▶ disputed
                                disputed ──uphold / void (reviewer of the region)──▶ confirmed / voided

Money: a charge moves its amount from the voucher's balance to the
voucher's hold account; confirming moves it on to the provider's payable
account in the program; voiding moves it back. Every function locks the
voucher first (lock_objects.voucher_lock), so what is held and left on one
voucher changes one transaction at a time; each writes its audit event
and its transfers with keys named after the charge, so none can be
replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audits import actions
from audits.services import audit_event_record
from config import batch
from config.db import violates
from config.exceptions import ApplicationError
from config.money import quantize, yuan
from enterprises.models import Membership, Offering, Provider
from enterprises.selectors import FilingStatus, offering_filing_status
from enterprises.uscc import normalize_uscc

from .. import error_codes, invoices
from ..invoices import (
    invoice_number_clean,
    invoice_release,
    invoice_taken,
    invoice_use,
)
from ..issuance import codes
from ..ledger.services import (
    provider_account,
    transfer,
    voucher_account,
    voucher_accounts,
    voucher_release,
)
from ..lock_objects import redemption_lock, voucher_lock, voucher_lock_queryset
from ..models import (
    REDEMPTION_STATES,
    LedgerAccount,
    LedgerTransfer,
    Program,
    Redemption,
    Voucher,
)
from ..programs.selectors import program_version_at
from ..webhooks.events import charge_event_emit
from .scope import may_decide_dispute

K = LedgerAccount.Kind
T = LedgerTransfer.Kind
S = Redemption.Status
REASON_MAX = 1000
INVOICE_MAX = invoices.INVOICE_MAX
# The unique index that keeps an invoice behind one redemption.
ONE_INVOICE = "redemption_one_invoice"
INVOICE_COLUMNS = ("invoice_issuer", "invoice_number")
# Program kinds whose providers must offer that kind (others: either).
KIND_OF_PROGRAM: dict[str, str] = {
    Program.Kind.COMPUTE: Offering.Kind.COMPUTE,
    Program.Kind.MODEL: Offering.Kind.MODEL,
}


@dataclass(frozen=True)
class Charge:
    """What a provider charges: parsed and typed (forms and the API build it)."""

    voucher_code: str
    credit_code: str
    offering_id: int
    quantity: Decimal
    unit_price: Decimal
    period_start: date
    period_end: date
    invoice_number: str


def _refuse(message: str, code: str, field: str | None = None) -> ApplicationError:
    return ApplicationError(message, field=field, code=code)


def voucher_for_charge(
    *, code: str, credit_code: str, lock: bool = False
) -> Voucher | None:
    """The voucher with this code held by the enterprise with this credit
    code, or None: either wrong gives the same answer, so codes cannot be
    tried one by one against enterprises. With ``lock``, the voucher is
    locked as ``lock_objects.voucher_lock`` locks it (in the same query)."""
    if not codes.is_valid(code or ""):
        return None
    vouchers = Voucher.objects.all()
    if lock:
        vouchers = voucher_lock_queryset()
    return (
        vouchers.select_related("enterprise", "program")
        .filter(
            code=codes.format_code(code),
            enterprise__uscc=normalize_uscc(credit_code or ""),
        )
        .first()
    )


def _voucher_not_found() -> ApplicationError:
    return _refuse(
        _("No voucher with this code is held by the enterprise with this credit code."),
        error_codes.VOUCHER_NOT_FOUND,
        "voucher_code",
    )


def _chargeable_or_refuse(voucher: Voucher, today: date) -> None:
    if voucher.status != Voucher.Status.ACTIVE:
        raise _refuse(
            _("This voucher is %(status)s and can no longer be charged.")
            % {"status": voucher.get_status_display()},
            error_codes.VOUCHER_NOT_ACTIVE,
            "voucher_code",
        )
    if voucher.expires_on < today:
        raise _refuse(
            _("This voucher expired on %(date)s.") % {"date": voucher.expires_on},
            error_codes.VOUCHER_EXPIRED,
            "voucher_code",
        )


# The voucher and provider rules, also for reimbursements (one place per rule).
def chargeable_or_refuse(voucher: Voucher, today: date) -> None:
    _chargeable_or_refuse(voucher, today)


def provider_approved_or_refuse(provider: Provider, program: Program) -> None:
    _provider_or_refuse(provider, program)


def _provider_or_refuse(provider: Provider, program: Program) -> None:
    kind = KIND_OF_PROGRAM.get(program.kind)
    if kind == Offering.Kind.COMPUTE:
        offers = provider.offers_compute
    elif kind == Offering.Kind.MODEL:
        offers = provider.offers_model
    else:
        offers = provider.offers_compute or provider.offers_model
    if provider.status != Provider.Status.APPROVED or not offers:
        raise _refuse(
            _(
                "Your organisation is not an approved provider for this voucher's program."
            ),
            error_codes.PROVIDER_NOT_APPROVED,
        )


def _offering_or_refuse(
    provider: Provider, program: Program, offering_id: int
) -> Offering:
    offering = Offering.objects.filter(
        pk=offering_id, provider=provider, is_active=True
    ).first()
    kind = KIND_OF_PROGRAM.get(program.kind)
    if offering is None or (kind is not None and offering.kind != kind):
        raise _refuse(
            _("Choose one of your offerings of the voucher's kind."),
            error_codes.OFFERING_INVALID,
            "offering",
        )
    return offering


def filing_refusal(offering: Offering, status: str) -> str:
    """Why ``offering``, whose filing status (``enterprises.selectors``) is
    ``status``, cannot be charged, or "" when it can: a model service is
    charged only while its filing number is on the imported list of filed
    generative-AI services and not revoked. The rule of ``filed_or_refuse``,
    and what the charge form's picker says beforehand."""
    if status in (FilingStatus.NOT_NEEDED, FilingStatus.LISTED):
        return ""
    if status == FilingStatus.REVOKED:
        message = _(
            "%(name)s cannot be charged: the filing of its model (%(number)s) "
            "has been revoked."
        )
    else:
        message = _(
            "%(name)s cannot be charged: its model's filing number (%(number)s) "
            "is not on the list of filed generative-AI services."
        )
    return message % {"name": offering.name, "number": offering.filing_number or "—"}


def filed_or_refuse(offering: Offering, today: date) -> None:
    """Refuse (``offering_not_filed``) a model service not filed today."""
    message = filing_refusal(offering, offering_filing_status(offering, today=today))
    if message:
        raise _refuse(message, error_codes.OFFERING_NOT_FILED, "offering")


def _period_or_refuse(charge: Charge, voucher: Voucher, today: date) -> None:
    issued = timezone.localdate(voucher.issued_at)
    if charge.period_end < charge.period_start:
        message = _("The period of use must end on or after its first day.")
    elif charge.period_start > today:
        message = _("The period of use cannot start in the future.")
    elif charge.period_start < issued or charge.period_end > voucher.expires_on:
        message = _(
            "The period of use must lie within the voucher's validity "
            "(%(issued)s – %(expires)s)."
        ) % {"issued": issued, "expires": voucher.expires_on}
    else:
        return
    raise _refuse(message, error_codes.PERIOD_INVALID, "period_end")


def _invoice_or_refuse(number: str, today: date) -> str:
    """The invoice's number in its registered form: a tax invoice's, or the
    provider's own billing reference (invoices.invoice_number_clean)."""
    # Whether the invoice backs another charge: the partial unique index
    # answers when the charge is written (redemption_charge).
    return invoice_number_clean(number, own_reference=True, today=today)


def _duplicate_invoice() -> ApplicationError:
    return _refuse(
        _("This invoice already backs another redemption."),
        error_codes.DUPLICATE_INVOICE,
        "invoice_number",
    )


@transaction.atomic
def redemption_charge(
    *,
    provider: Provider,
    charge: Charge,
    actor: User | None,
    actor_label: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Hold ``charge`` on the voucher: refused, with nothing written, unless
    the voucher is the enterprise's, active and unexpired, the program
    deducts at the provider, the provider is approved for its kind, the
    offering is the provider's (a model service's filing on the list and not
    revoked), the price is allowed, the invoice is new and
    the balance covers the amount."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    voucher = voucher_for_charge(
        code=charge.voucher_code, credit_code=charge.credit_code, lock=True
    )
    if voucher is None:
        raise _voucher_not_found()
    _chargeable_or_refuse(voucher, today)
    program = voucher.program
    params = program_version_at(program, now).parsed()
    if params.disbursement_mode != "deduct_at_provider":
        raise _refuse(
            _(
                "This voucher's program reimburses the enterprise; it cannot be charged at a provider."
            ),
            error_codes.REDEMPTION_MODE,
        )
    _provider_or_refuse(provider, program)
    offering = _offering_or_refuse(provider, program, charge.offering_id)
    filed_or_refuse(offering, today)
    if charge.quantity <= 0 or charge.unit_price <= 0:
        raise _refuse(
            _("Quantity and unit price must be more than zero."),
            error_codes.INVALID,
            "quantity" if charge.quantity <= 0 else "unit_price",
        )
    amount = quantize(charge.quantity * charge.unit_price)
    if amount <= 0:
        raise _refuse(
            _("The amount comes to less than one fen."), error_codes.INVALID, "quantity"
        )
    above_list = charge.unit_price > offering.list_price
    if above_list and params.price_above_list == "refuse":
        raise _refuse(
            _("The unit price %(price)s is above the offering's list price %(list)s.")
            % {"price": charge.unit_price, "list": offering.list_price},
            error_codes.PRICE_ABOVE_LIST,
            "unit_price",
        )
    _period_or_refuse(charge, voucher, today)
    invoice = _invoice_or_refuse(charge.invoice_number, today)
    remaining, held = voucher_accounts(voucher)
    if amount > remaining.balance:
        raise _refuse(
            _(
                "The charge of %(amount)s yuan is more than the %(left)s yuan left on the voucher."
            )
            % {"amount": yuan(amount), "left": yuan(remaining.balance)},
            error_codes.INSUFFICIENT_BALANCE,
            "quantity",
        )
    try:
        # No savepoint of its own: a refused insert leaves this function
        # (and its transaction or savepoint) at once.
        redemption = Redemption.objects.create(
            voucher=voucher,
            program=program,
            enterprise=voucher.enterprise,
            provider=provider,
            offering=offering,
            quantity=charge.quantity,
            unit=offering.unit,
            unit_other=offering.unit_other
            if offering.unit == Offering.Unit.OTHER
            else "",
            unit_price=charge.unit_price,
            list_price=offering.list_price,
            amount=amount,
            above_list_price=above_list,
            period_start=charge.period_start,
            period_end=charge.period_end,
            invoice_issuer=provider.uscc,
            invoice_number=invoice,
            confirm_by=now + timedelta(days=params.confirmation_window_days),
            created_by=actor,
        )
        invoice_use(redemption)
    except IntegrityError as exc:
        if violates(exc, ONE_INVOICE, columns=INVOICE_COLUMNS) or invoice_taken(exc):
            raise _duplicate_invoice() from exc
        raise
    transfer(
        debit=remaining,
        credit=held,
        amount=amount,
        kind=T.CHARGE_HELD,
        key=f"{T.CHARGE_HELD}:{redemption.pk}",
        reference=redemption,
        actor=actor,
    )
    audit_event_record(
        action=actions.CHARGE_HELD,
        actor=actor,
        actor_label=actor_label,
        target=redemption,
        after=_snapshot(redemption),
    )
    return redemption


def _snapshot(redemption: Redemption) -> dict:
    return {
        "voucher": redemption.voucher.code,
        "provider": redemption.provider.uscc,
        "amount": str(redemption.amount),
        "quantity": str(redemption.quantity),
        "unit_price": str(redemption.unit_price),
        "invoice": redemption.invoice_number,
        "status": redemption.status,
        "above_list_price": redemption.above_list_price,
    }


def _locked(redemption: Redemption) -> Redemption:
    """The charge, locked after its voucher (lock_objects' order)."""
    voucher_lock(redemption.voucher_id)
    return redemption_lock(redemption.pk)


def _confirm(redemption: Redemption, actor: User | None) -> None:
    """Move the held amount to the provider's payable account."""
    transfer(
        debit=voucher_account(redemption.voucher, K.HELD),
        credit=provider_account(
            redemption.program_id, redemption.provider_id, K.PROVIDER_PAYABLE
        ),
        amount=redemption.amount,
        kind=T.CHARGE_CONFIRMED,
        key=f"{T.CHARGE_CONFIRMED}:{redemption.pk}",
        reference=redemption,
        actor=actor,
    )


def _void(redemption: Redemption, actor: User | None) -> None:
    """Move the held amount back onto the voucher; the invoice may back
    another redemption again."""
    invoice_release(redemption=redemption)
    transfer(
        debit=voucher_account(redemption.voucher, K.HELD),
        credit=voucher_account(redemption.voucher),
        amount=redemption.amount,
        kind=T.CHARGE_VOIDED,
        key=f"{T.CHARGE_VOIDED}:{redemption.pk}",
        reference=redemption,
        actor=actor,
    )
    if redemption.voucher.status != Voucher.Status.ACTIVE:
        # A dispute voided after the voucher expired or was revoked: what
        # comes back cannot be spent, so it goes back to the budget.
        voucher_release(
            voucher=redemption.voucher,
            amount=redemption.amount,
            cause=f"charge:{redemption.pk}",
            reference=redemption,
            actor=actor,
        )


def _reason_or_refuse(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(_("Give a reason."), error_codes.INVALID, field)
    if len(reason) > REASON_MAX:
        raise _refuse(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX},
            error_codes.INVALID,
            field,
        )
    return reason


def _enterprise_member_or_refuse(user: User, redemption: Redemption) -> None:
    if not Membership.objects.filter(
        user=user, enterprise_id=redemption.enterprise_id, role=Role.APPLICANT
    ).exists():
        raise _refuse(
            _("This charge is on another enterprise's voucher."), error_codes.NOT_YOURS
        )


def _decide(
    redemption: Redemption,
    to: str,
    *,
    actor: User | None,
    action: str,
    now: datetime,
    actor_label: str | None = None,
    **fields: str,
) -> Redemption:
    before = redemption.status
    REDEMPTION_STATES.move(redemption, to)
    if to == S.CONFIRMED:
        _confirm(redemption, actor)
    elif to == S.VOIDED:
        _void(redemption, actor)
    for name, value in fields.items():
        setattr(redemption, name, value)
    redemption.decided_at = now
    redemption.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    redemption.save(update_fields=["status", "decided_at", "decided_by", *fields])
    audit_event_record(
        action=action,
        actor=actor,
        actor_label=actor_label,
        target=redemption,
        before={"status": before},
        after={"status": to, **fields},
    )
    charge_event_emit(redemption)
    return redemption


@transaction.atomic
def redemption_confirm(*, redemption: Redemption, user: User) -> Redemption:
    """The enterprise confirms a pending charge (a disputed one waits for
    the reviewer: its state map allows disputed → confirmed for the
    reviewer's uphold only)."""
    redemption = _locked(redemption)
    _enterprise_member_or_refuse(user, redemption)
    if redemption.status != S.PENDING:
        raise _refuse(
            _(
                "Only a pending charge can be confirmed by the enterprise; this one is %(status)s."
            )
            % {"status": redemption.get_status_display()},
            error_codes.TRANSITION,
        )
    return _decide(
        redemption,
        S.CONFIRMED,
        actor=user,
        action=actions.CHARGE_CONFIRMED,
        now=timezone.now(),
    )


@transaction.atomic
def redemption_dispute(
    *, redemption: Redemption, user: User, reason: str
) -> Redemption:
    """The enterprise disputes a pending charge; it stays held until a
    reviewer of its region decides."""
    redemption = _locked(redemption)
    _enterprise_member_or_refuse(user, redemption)
    reason = _reason_or_refuse(reason)
    return _decide(
        redemption,
        S.DISPUTED,
        actor=user,
        action=actions.CHARGE_DISPUTED,
        now=timezone.now(),
        dispute_reason=reason,
    )


@transaction.atomic
def redemption_void(
    *,
    redemption: Redemption,
    provider: Provider,
    actor: User | None,
    reason: str,
    actor_label: str | None = None,
) -> Redemption:
    """The provider voids its own pending charge: the amount goes back on
    the voucher and the invoice may back another charge."""
    redemption = _locked(redemption)
    if redemption.provider_id != provider.pk:
        raise _refuse(
            _("This charge belongs to another provider."), error_codes.NOT_YOURS
        )
    if redemption.status != S.PENDING:
        raise _refuse(
            _(
                "Only a pending charge can be voided by the provider; this one is %(status)s."
            )
            % {"status": redemption.get_status_display()},
            error_codes.TRANSITION,
        )
    reason = _reason_or_refuse(reason)
    return _decide(
        redemption,
        S.VOIDED,
        actor=actor,
        actor_label=actor_label,
        action=actions.CHARGE_VOIDED,
        now=timezone.now(),
        decision_reason=reason,
    )


@transaction.atomic
def redemption_dispute_decide(
    *, redemption: Redemption, reviewer: User, uphold: bool, reason: str
) -> Redemption:
    """A reviewer of the enterprise's region decides a dispute: upheld, the
    charge is confirmed; otherwise it is voided. A reason either way."""
    redemption = _locked(redemption)
    if not may_decide_dispute(reviewer, redemption):
        raise _refuse(
            _("This dispute is not in your region."), error_codes.OUT_OF_SCOPE
        )
    if redemption.status != S.DISPUTED:
        raise _refuse(
            _("This charge is %(status)s, not disputed.")
            % {"status": redemption.get_status_display()},
            error_codes.TRANSITION,
        )
    reason = _reason_or_refuse(reason)
    return _decide(
        redemption,
        S.CONFIRMED if uphold else S.VOIDED,
        actor=reviewer,
        action=actions.CHARGE_DISPUTE_UPHELD
        if uphold
        else actions.CHARGE_DISPUTE_VOIDED,
        now=timezone.now(),
        decision_reason=reason,
    )


def redemptions_confirm_due(*, now: datetime | None = None) -> int:
    """Confirm every pending charge whose confirmation window has passed,
    each in its own transaction (a charge confirmed or disputed meanwhile
    is left as it is; one that fails is logged and skipped, see
    config.batch). Safe to run twice, or in two workers at once."""
    now = now or timezone.now()
    due = list(
        Redemption.objects.filter(status=S.PENDING, confirm_by__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def confirm(pk: int) -> bool:
        redemption = _locked(Redemption.objects.only("voucher_id").get(pk=pk))
        if redemption.status != S.PENDING or redemption.confirm_by > now:
            return False
        _decide(
            redemption,
            S.CONFIRMED,
            actor=None,
            action=actions.CHARGE_CONFIRMED_BY_WINDOW,
            now=now,
        )
        return True

    return sum(batch.each("redemptions_confirm_due", due, confirm).results)


@transaction.atomic
def redemptions_close_pending(*, voucher: Voucher, now: datetime) -> int:
    """When a voucher expires or is revoked (the caller holds its lock):
    confirm its pending charges whose window has passed (they were owed),
    void the others (the amount goes back on the voucher, for the caller
    to release). Disputed charges stay with their reviewer. Returns how
    many were voided."""
    voided = 0
    pending = Redemption.objects.filter(voucher=voucher, status=S.PENDING)
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        redemption = redemption_lock(pk)
        if redemption.confirm_by <= now:
            _decide(
                redemption,
                S.CONFIRMED,
                actor=None,
                action=actions.CHARGE_CONFIRMED_BY_WINDOW,
                now=now,
            )
            continue
        _decide(
            redemption,
            S.VOIDED,
            actor=None,
            action=actions.CHARGE_VOIDED_VOUCHER_CLOSED,
            now=now,
            decision_reason=str(
                _("The voucher expired or was revoked before the charge was confirmed.")
            ),
        )
        voided += 1
    return voided


__all__ = [
    "Charge",
    "redemption_charge",
    "redemption_confirm",
    "redemption_dispute",
    "redemption_dispute_decide",
    "redemption_void",
    "redemptions_close_pending",
    "redemptions_confirm_due",
    "voucher_for_charge",
]
