"""audit_event_record refuses to run outside a transaction.

This module has no ``django_db`` mark on purpose: a pytest-django database
test always runs inside a transaction, and a transactional test
(``transaction=True``) would flush the regions loaded by migrations that the
other tests need. Without the mark any query would fail with "Database access
not allowed", so the RuntimeError also shows the guard fires before anything
is written.
"""

import pytest
from django.db import transaction

from audits import actions
from audits.services import audit_event_record


def test_recording_outside_a_transaction_is_refused():
    # given
    assert not transaction.get_connection().in_atomic_block

    # when / then
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit_event_record(action=actions.USER_CREATED, actor_label="someone")
