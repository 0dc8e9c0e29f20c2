"""The test profile on the demo's database, SQLite (in memory), for the few
tests that prove the demo behaves as PostgreSQL does: stored decisions
re-explain themselves the same on both (scripts/test.sh runs
tests/vouchers/test_decisions.py, test_decision_reexplain.py and
test_demo_decisions.py with it). Everything else is tested on
PostgreSQL only (config.settings.test)."""

import os

os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["DJANGO_TEST_SQLITE"] = "1"

from .test import *  # noqa: F403
