"""config.batch.each: a scheduled pass goes on past an item that fails,
rolls back only that item, and says so in the log."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Group

from config import batch

pytestmark = pytest.mark.django_db


def test_an_item_that_fails_is_rolled_back_and_the_others_go_through(caplog):
    # given: three items; the second writes a row, then fails
    before = Group.objects.count()

    def step(n: int) -> int:
        Group.objects.create(name=f"测试组 {n}")
        if n == 2:
            raise RuntimeError("boom")
        return n * 10

    # when
    with caplog.at_level(logging.ERROR, logger="vouchers.batch"):
        done = batch.each("test pass", [1, 2, 3], step)

    # then: 1 and 3 done, 2 skipped with nothing of it left, and logged
    assert done.results == [10, 30]
    assert done.failed == [2]
    assert Group.objects.count() == before + 2
    assert not Group.objects.filter(name="测试组 2").exists()
    messages = [r.getMessage() for r in caplog.records]
    assert "test pass: item 2 failed and was skipped" in messages
    assert any("1 item(s) failed" in m and m.endswith(": 2") for m in messages)
    assert caplog.records[0].exc_info is not None  # with its traceback


def test_a_pass_without_failures_logs_nothing(caplog):
    with caplog.at_level(logging.ERROR, logger="vouchers.batch"):
        done = batch.each("test pass", [1, 2], lambda n: n)
    assert done.results == [1, 2]
    assert done.failed == []
    assert caplog.records == []
