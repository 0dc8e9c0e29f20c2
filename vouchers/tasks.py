"""The vouchers app's Celery tasks, for Celery's autodiscovery (which looks
for ``<app>.tasks``): each sub-package keeps its own in its tasks.py."""

from .lifecycle.tasks import voucher_expiry_reminders, vouchers_expire_due
from .notice.tasks import notices_issue_due
from .programs.tasks import program_change_impact
from .provider_api.tasks import idempotency_keys_purge
from .redemption.tasks import redemptions_confirm_due
from .review.tasks import reviewer_digest
from .settlement.tasks import statements_build_due
from .webhooks.tasks import webhook_deliver, webhooks_deliver_due

__all__ = [
    "idempotency_keys_purge",
    "notices_issue_due",
    "program_change_impact",
    "redemptions_confirm_due",
    "reviewer_digest",
    "statements_build_due",
    "voucher_expiry_reminders",
    "vouchers_expire_due",
    "webhook_deliver",
    "webhooks_deliver_due",
]
