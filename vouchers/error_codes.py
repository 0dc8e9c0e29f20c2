"""The codes of the vouchers app's refusals (``ApplicationError.code``).

A code names the reason a service refused, independent of the language of
its message: tests assert codes, and the REST API answers them next to the
translated message, so a provider's system can act on them.
"""

# A refused status move (submitting twice, deciding a decided application).
from config.states import TRANSITION as TRANSITION

# Programs
PROGRAM_CLOSED = "closed"  # the program is not open for applications
PROGRAM_WINDOW = "window"  # today is outside its application window
PROGRAM_ARCHIVED = "archived"  # an archived program cannot be changed
PROGRAM_PARAMS = "params"  # malformed parameters (errors by path)
PROGRAM_UNCHANGED = "unchanged"  # a new version must change a parameter
PROGRAM_DUPLICATE = "duplicate"  # a program with this code exists
FOUR_EYES = "four_eyes"  # a change needs a second program manager (not its proposer)
CHANGE_PENDING = "change_pending"  # another change of the program awaits approval
CHANGE_STALE = "change_stale"  # a version was made after the change was proposed
BUDGET_EXHAUSTED = "budget_exhausted"  # nothing left in the program's budget
BUDGET_BELOW_COMMITTED = "budget_below_committed"  # a cut below what is committed

# Applications (the applicant)
NOT_A_MEMBER = "member"  # the user is not an applicant of the enterprise
LOCKED = "locked"  # only drafts and returned applications can be changed
INCOMPLETE = "incomplete"  # parts are missing for submission
DUPLICATE_CONTRACT = "duplicate_contract"  # the contract is in another application
PROVIDER_NOT_APPROVED = "provider"  # the provider is not on the approved list
INVALID = "invalid"  # a field's value is refused (the message says why)

# Review
OUT_OF_SCOPE = "scope"  # not in this reviewer's region, level or stage
OWN_ORGANISATION = "own_organisation"  # the reviewer belongs to a party
TWO_STAGES = "two_stages"  # the reviewer decided another stage of it

# Issuance
CAP_REACHED = "cap_reached"  # the enterprise's yearly cap is used up
NOTHING_TO_ISSUE = "nothing"  # the subsidy is zero
AMOUNT_CHANGED = "amount_changed"  # less than requested: confirm the amount
NO_FREE_CODE = "no_free_code"  # no unused voucher code was found

# Redemption (a provider's charge; the provider API answers these codes)
VOUCHER_NOT_FOUND = "voucher_not_found"  # no such code for this enterprise
VOUCHER_NOT_ACTIVE = "voucher_not_active"  # expired or revoked
VOUCHER_EXPIRED = "voucher_expired"  # past its validity date
INSUFFICIENT_BALANCE = "insufficient_balance"  # more than is left on the voucher
DUPLICATE_INVOICE = "duplicate_invoice"  # the invoice backs another redemption
INVOICE_FORMAT = (
    "invoice_format"  # not a tax invoice's number (nor, for a charge, a reference)
)
PRICE_ABOVE_LIST = "price_above_list"  # the unit price exceeds the list price
REDEMPTION_MODE = "redemption_mode"  # the program does not deduct at the provider
OFFERING_INVALID = "offering"  # not the provider's active offering of this kind
OFFERING_NOT_FILED = "offering_not_filed"  # a model service not (or no longer) filed
PERIOD_INVALID = "period"  # the period of use is not within the voucher's life
NOT_YOURS = "not_yours"  # the charge belongs to another provider or enterprise

# Settlement (statements, the provider's records, payment)
RECORDS_FILE = "records_file"  # the provider's records file cannot be read
NOT_RECONCILED = "not_reconciled"  # no records uploaded, or differences unexplained
PAYMENT_AMOUNT = "payment_amount"  # a payment is the statement's total, not another sum
DUPLICATE_REFERENCE = "duplicate_reference"  # the payment reference is used already

# Webhooks (a provider's endpoints)
WEBHOOK_URL = "webhook_url"  # not an HTTPS URL of a public host
WEBHOOK_LIMIT = "webhook_limit"  # the provider has the most endpoints allowed

# Public notice (公示)
NOTICE_CLOSED = "notice_closed"  # the notice period is over, or it was decided
OBJECTION_OPEN = "objection_open"  # an objection waits: the voucher is not issued
OBJECTION_DECIDED = "objection_decided"  # the objection was already resolved

# Regional quotas
QUOTA_UNUSED = "quota_unused"  # a move asks for more than the quota has unused
QUOTA_REGION = "quota_region"  # a quota for a division outside the program's region
