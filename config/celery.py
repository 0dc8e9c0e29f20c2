"""Celery application. Tasks take ids, load objects and call one service.

Periodic tasks are declared here, in code (``beat_schedule``), so a deployment
needs no database-stored schedule.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("voucher_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every 10 seconds: link committed audit events into the chain, so none
    # waits longer than AUDIT_SEAL_MAX_DELAY_SECONDS (60). On its own queue
    # ("audit", docker/compose.yaml) so long tasks never hold it up; a run
    # not started within 10 s is dropped, the next one seals the same events.
    "audit-chain-seal": {
        "task": "audits.tasks.chain_seal",
        "schedule": 10.0,
        "options": {"queue": "audit", "expires": 10},
    },
    # https://crontab.guru/#0_*_*_*_* : every hour, a checkpoint of the chain's head
    "audit-chain-checkpoint": {
        "task": "audits.tasks.chain_checkpoint",
        "schedule": crontab(minute=0),
        "options": {"queue": "audit"},
    },
    # https://crontab.guru/#30_2_*_*_* : every night at 02:30, the whole chain checked
    "audit-chain-verify": {
        "task": "audits.tasks.chain_verify_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # https://crontab.guru/#0_4_*_*_* : every night at 04:00, the anomaly rules
    # run over everything (a rerun raises nothing twice)
    "audit-flags-scan": {
        "task": "audits.tasks.flags_scan_nightly",
        "schedule": crontab(hour=4, minute=0),
    },
    # https://crontab.guru/#15_3_*_*_* : every night at 03:15 (Asia/Shanghai)
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # https://crontab.guru/#45_3_*_*_* : uploads whose transaction rolled back
    "clean-orphan-uploads": {
        "task": "enterprises.tasks.clean_orphan_uploads",
        "schedule": crontab(hour=3, minute=45),
    },
    # https://crontab.guru/#0_8_*_*_* : every morning at 08:00 (Asia/Shanghai), reviewers' digest
    "reviewer-digest": {
        "task": "vouchers.tasks.reviewer_digest",
        "schedule": crontab(hour=8, minute=0),
    },
    # https://crontab.guru/#*/10_*_*_*_* : charges whose confirmation window passed
    "redemptions-confirm-due": {
        "task": "vouchers.tasks.redemptions_confirm_due",
        "schedule": crontab(minute="*/10"),
    },
    # https://crontab.guru/#15_1_*_*_* : every night at 01:15, the statements of
    # the period that ended (a rerun builds nothing new)
    "statements-build-due": {
        "task": "vouchers.tasks.statements_build_due",
        "schedule": crontab(hour=1, minute=15),
    },
    # https://crontab.guru/#5_0_*_*_* : just after midnight (Asia/Shanghai), the
    # vouchers whose last valid day was yesterday expire
    # https://crontab.guru/#10_0_*_*_* : just after midnight (Asia/Shanghai), the
    # vouchers of the public notices that ended yesterday without an open
    # objection are issued (a rerun issues nothing twice)
    "notices-issue-due": {
        "task": "vouchers.tasks.notices_issue_due",
        "schedule": crontab(hour=0, minute=10),
    },
    "vouchers-expire-due": {
        "task": "vouchers.tasks.vouchers_expire_due",
        "schedule": crontab(hour=0, minute=5),
    },
    # https://crontab.guru/#0_9_*_*_* : at 09:00, the 30- and 7-day expiry reminders
    "voucher-expiry-reminders": {
        "task": "vouchers.tasks.voucher_expiry_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # https://crontab.guru/#*_*_*_*_* : webhook deliveries due (retries with
    # back-off, and any a lost task or a dead worker left)
    "webhooks-deliver-due": {
        "task": "vouchers.tasks.webhooks_deliver_due",
        "schedule": crontab(),
    },
    # https://crontab.guru/#30_4_*_*_* : idempotency keys past their 31 days
    "idempotency-keys-purge": {
        "task": "vouchers.tasks.idempotency_keys_purge",
        "schedule": crontab(hour=4, minute=30),
    },
}
