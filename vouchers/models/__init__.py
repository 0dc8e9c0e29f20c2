"""Every model of the vouchers app, one module per part:

- programs:     Program, ProgramVersion, ProgramChange (four-eyes proposals)
- decisions:    EligibilityDecision
- applications: Application, LineItem, ApplicationDocument,
                ApplicationRevision, RejectionReason, Review, Notification
- vouchers:     Voucher
- ledger:       LedgerAccount, LedgerTransfer
- redemption:   Redemption (a provider's charge against a voucher)
- provider_api: ProviderApiKey, IdempotentRequest
- settlement:   Statement, Reconciliation, ReconciliationItem, Payment
- reimbursement: Reimbursement, InvoiceUse (the invoice register of both modes)
- webhooks:     WebhookEndpoint, WebhookDelivery (provider webhooks)
- notices:      Notice, Objection (public notice, 公示, before issuance)

Import them from here (``from vouchers.models import Application``).
"""

from .applications import (
    APPLICATION_STATES,
    EDITABLE_STATUSES,
    LIVE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationRevision,
    LineItem,
    Notification,
    RejectionReason,
    Review,
)
from .clawbacks import CLAWBACK_STATES, Clawback, ClawbackRepayment
from .decisions import EligibilityDecision
from .ledger import LedgerAccount, LedgerTransfer
from .notices import NOTICE_STATES, OBJECTION_STATES, Notice, Objection
from .programs import (
    PROGRAM_CHANGE_STATES,
    PROGRAM_STATES,
    Program,
    ProgramChange,
    ProgramVersion,
)
from .provider_api import IdempotentRequest, ProviderApiKey
from .redemption import REDEMPTION_STATES, Redemption
from .reimbursement import (
    REIMBURSEMENT_STATES,
    InvoiceUse,
    Reimbursement,
)
from .settlement import (
    STATEMENT_STATES,
    Payment,
    Reconciliation,
    ReconciliationItem,
    Statement,
)
from .vouchers import VOUCHER_STATES, Voucher, VoucherReminder
from .webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "APPLICATION_STATES",
    "CLAWBACK_STATES",
    "EDITABLE_STATUSES",
    "LIVE_STATUSES",
    "NOTICE_STATES",
    "OBJECTION_STATES",
    "PROGRAM_CHANGE_STATES",
    "PROGRAM_STATES",
    "REDEMPTION_STATES",
    "REIMBURSEMENT_STATES",
    "STATEMENT_STATES",
    "VOUCHER_STATES",
    "Application",
    "ApplicationDocument",
    "ApplicationRevision",
    "Clawback",
    "ClawbackRepayment",
    "EligibilityDecision",
    "IdempotentRequest",
    "InvoiceUse",
    "LedgerAccount",
    "LedgerTransfer",
    "LineItem",
    "Notice",
    "Notification",
    "Objection",
    "Payment",
    "Program",
    "ProgramChange",
    "ProgramVersion",
    "ProviderApiKey",
    "Reconciliation",
    "ReconciliationItem",
    "Redemption",
    "Reimbursement",
    "RejectionReason",
    "Review",
    "Statement",
    "Voucher",
    "VoucherReminder",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
