"""The invoice register shared by both redemption modes: one invoice
(issuer + number) backs at most one live redemption, a provider's charge
or an enterprise's reimbursement, across every program. The partial unique
index ``invoice_one_use`` is the rule; these are its only writers.

And the one check of an invoice number's form, which the charge and the
reimbursement services (so their forms and the provider API) call before
the register is written:

- A fully digital electronic invoice (全面数字化的电子发票, 全电发票 or 数电票)
  has a 20-digit number: digits 1-2 the year (last two digits), 3-4 the
  province-level tax region (省、自治区、直辖市和计划单列市), 5 the channel it
  was issued through, 6-20 a sequence (State Taxation Administration, on the
  fully digital invoice). The year must be 2021 (the pilots began in December)
  to this year, and the region 11 or more; the regions themselves are not
  listed (those of the cities with separate plans are not published here).
- An older VAT invoice (paper or electronic) is its invoice code (10 or 12
  digits) and its 8-digit number: written ``CODE-NUMBER`` (a space or a slash
  between them reads the same; 18 digits in a row, a 10-digit code and the
  number, too). A bare 8-digit number is refused: it is unique only with
  its code.
- Any other number made only of digits is refused: it can be neither.

A reimbursement rests on the tax invoice the enterprise paid: only those two
forms. A provider's charge is recorded when the service is used, and the
provider's records file is reconciled against it by this number, while the
tax invoice is often issued later for a month's use: a charge may also carry
the provider's own billing reference, one that has a letter in it
(``FP-2026-0001``); numbers of digits only are read as tax invoices, and
checked as above. Uniqueness per issuer is the register's (below), for
every form alike.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from config.db import violates
from config.exceptions import ApplicationError

from . import error_codes
from .models import InvoiceUse, Redemption, Reimbursement

ONE_USE = "invoice_one_use"
COLUMNS = ("invoice_issuer", "invoice_number")
INVOICE_MAX = 40
FULLY_DIGITAL = re.compile(r"^\d{20}$")
FIRST_FULLY_DIGITAL_YEAR = 2021
OLDER_VAT = re.compile(r"^(?P<code>\d{10}|\d{12})[-/\s]+(?P<number>\d{8})$")
OLDER_VAT_RUN = re.compile(r"^(?P<code>\d{10})(?P<number>\d{8})$")


def _format_refusal(message: str) -> ApplicationError:
    return ApplicationError(
        message, code=error_codes.INVOICE_FORMAT, field="invoice_number"
    )


def _fully_digital_or_refuse(number: str, today: date) -> str:
    year, region = 2000 + int(number[:2]), int(number[2:4])
    if not FIRST_FULLY_DIGITAL_YEAR <= year <= today.year or region < 11:
        raise _format_refusal(
            _(
                "%(number)s is not a fully digital invoice number (全电发票): its "
                "first two digits are the year it was issued (21 to %(yy)02d), "
                "the next two its province's tax region."
            )
            % {"number": number, "yy": today.year % 100}
        )
    return number


def invoice_number_clean(
    value: str, *, own_reference: bool, today: date | None = None
) -> str:
    """The invoice number as it is registered (see above), or an
    ApplicationError on ``invoice_number``: ``invalid`` when it is missing or
    too long, ``invoice_format`` when it has none of the forms allowed.
    ``own_reference``: a provider's billing reference is allowed too."""
    text = (value or "").strip()
    if not text or len(text) > INVOICE_MAX:
        raise ApplicationError(
            _("Enter the invoice number (at most %(n)d characters).")
            % {"n": INVOICE_MAX},
            code=error_codes.INVALID,
            field="invoice_number",
        )
    today = today or timezone.localdate()
    older = OLDER_VAT.match(text) or OLDER_VAT_RUN.match(text)
    if older:
        return f"{older.group('code')}-{older.group('number')}"
    digits = "".join(text.split())
    if digits.isdigit() and digits.isascii():
        if FULLY_DIGITAL.match(digits):
            return _fully_digital_or_refuse(digits, today)
        if len(digits) == 8:
            raise _format_refusal(
                _(
                    "An 8-digit invoice number is unique only with its invoice "
                    "code: enter both, as CODE-NUMBER (the 10- or 12-digit code, "
                    "a hyphen, the 8-digit number)."
                )
            )
        raise _format_refusal(
            _(
                "%(number)s is not an invoice number: a fully digital invoice "
                "(全电发票) has 20 digits; an older VAT invoice is its 10- or "
                "12-digit code and its 8-digit number, as CODE-NUMBER."
            )
            % {"number": digits}
        )
    if not own_reference:
        raise _format_refusal(
            _(
                "Enter the number of the tax invoice: 20 digits for a fully "
                "digital invoice (全电发票), or the 10- or 12-digit code and the "
                "8-digit number of an older VAT invoice, as CODE-NUMBER."
            )
        )
    return text


def invoice_use(owner: Redemption | Reimbursement) -> InvoiceUse:
    """Record that ``owner`` is backed by its invoice; IntegrityError
    (``invoice_taken``) when a live redemption is backed by it already.
    Call it in the owner's transaction, without a savepoint of its own: a
    refusal leaves the caller's transaction at once."""
    field = "redemption" if isinstance(owner, Redemption) else "reimbursement"
    return InvoiceUse.objects.create(
        invoice_issuer=owner.invoice_issuer,
        invoice_number=owner.invoice_number,
        **{field: owner},
    )


def invoice_taken(exc: IntegrityError) -> bool:
    return violates(exc, ONE_USE, columns=COLUMNS)


def invoice_release(
    *, redemption: Redemption | None = None, reimbursement: Reimbursement | None = None
) -> None:
    """The voided charge's or rejected reimbursement's invoice may back
    another redemption."""
    owner = (
        {"redemption": redemption} if redemption else {"reimbursement": reimbursement}
    )
    InvoiceUse.objects.filter(released_at__isnull=True, **owner).update(
        released_at=timezone.now()
    )


def invoice_in_use(issuer: str, number: str) -> bool:
    return InvoiceUse.objects.filter(
        invoice_issuer=issuer, invoice_number=number, released_at__isnull=True
    ).exists()
