from datetime import date

import pytest

from config import workdays
from config.workdays import is_working_day, missing_years, working_days_from


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 9), True),  # the Friday after
        (date(2026, 10, 10), True),  # a Saturday worked (调休)
        (date(2026, 2, 14), True),  # a Saturday worked before 春节
        (date(2026, 2, 23), False),  # 春节, a Monday
        (date(2026, 12, 5), False),  # an ordinary Saturday
        (date(2026, 12, 7), True),  # an ordinary Monday
        (date(2025, 1, 28), False),  # 春节 2025
    ],
)
def test_the_state_councils_calendar_decides_what_is_a_working_day(day, working):
    assert is_working_day(day) is working


def test_five_working_days_skip_the_national_day_holiday():
    # Starting Tuesday 29 September 2026: 29, 30 September, then 8, 9, 10
    # (the Saturday worked) October.
    assert working_days_from(date(2026, 9, 29), 5) == date(2026, 10, 10)


def test_a_period_starting_on_a_holiday_begins_on_the_next_working_day():
    # Sunday 15 February 2026 is in 春节; the 14th was worked, the 24th is next.
    assert working_days_from(date(2026, 2, 15), 1) == date(2026, 2, 24)
    assert working_days_from(date(2026, 12, 7), 1) == date(2026, 12, 7)


def test_a_year_not_listed_keeps_weekends_and_the_fixed_holidays():
    assert missing_years(2026, 2027) == [2027]
    assert not is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert not is_working_day(date(2027, 1, 2))  # a Saturday
    assert is_working_day(date(2027, 1, 4))
    # Thursday 31 December 2026, then (1 January off, weekend) 4, 5 January.
    assert working_days_from(date(2026, 12, 31), 3) == date(2027, 1, 5)


def test_a_period_counts_at_least_one_day():
    with pytest.raises(ValueError, match="at least one"):
        working_days_from(date(2026, 12, 7), 0)


def test_the_data_file_is_refused_when_a_day_is_both(tmp_path, monkeypatch):
    bad = tmp_path / "workdays.yaml"
    bad.write_text("2026:\n  holidays: [2026-10-10]\n  workdays: [2026-10-10]\n")
    monkeypatch.setattr(workdays, "DATA", bad)
    workdays.calendar.cache_clear()
    try:
        with pytest.raises(ValueError, match="both"):
            workdays.calendar()
    finally:
        workdays.calendar.cache_clear()


def test_the_years_a_notice_may_need_and_the_calendar_lacks():
    assert workdays.calendar_gaps(date(2026, 11, 30)) == []
    assert workdays.calendar_gaps(date(2026, 12, 1)) == [2027]
    assert workdays.calendar_gaps(date(2027, 3, 1)) == [2027]
