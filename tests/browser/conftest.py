"""Browser tests: Playwright drives Debian's chromium against pytest-django's live_server.

Run only these with ``pytest tests/browser``; they are marked ``browser``.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in the test thread, and
# Django refuses ORM calls from such a thread unless told otherwise. The ORM
# calls made here (fixtures, reading the outbox) are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _serialized_test_databases(django_db_setup, django_db_blocker):
    """What the migrations loaded (regions), as serialized when the test
    databases were made; taken before Playwright's loop starts (see below)."""
    from django.db import connections

    with django_db_blocker.unblock():
        return {
            alias: contents
            for alias in connections
            if (
                contents := getattr(
                    connections[alias], "_test_serialized_contents", None
                )
            )
        }


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_under_playwright(_serialized_test_databases, playwright):
    """Make ``serialized_rollback`` work once Playwright runs.

    Django keeps database connections in an asgiref ``Local``: while an event
    loop runs in the thread (Playwright's does, from its first use on), the
    test thread sees other connection objects than before. When the test
    databases were made before that (any other database test ran first), the
    new objects lack the serialized contents, so a transactional test would
    not reload the regions its predecessor flushed away. Hand them over.
    """
    from django.db import connections

    for alias, contents in _serialized_test_databases.items():
        connection = connections[alias]
        if not hasattr(connection, "_test_serialized_contents"):
            connection._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
