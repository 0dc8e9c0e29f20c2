from datetime import UTC, date, datetime

from django.utils import translation

from config.formats import day, join_list, moment, period


def test_lists_use_the_enumeration_comma_in_chinese_and_commas_in_english():
    with translation.override("zh-hans"):
        assert join_list(["存储", "网络", "安全"]) == "存储、网络、安全"
    with translation.override("en"):
        assert join_list(["storage", "network"]) == "storage, network"
    assert join_list([]) == ""


def test_times_are_written_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    late = datetime(2026, 12, 31, 17, 30, 5, tzinfo=UTC)  # 01:30 on 1 January there
    assert moment(late) == "2027-01-01 01:30"
    assert moment(late, seconds=True) == "2027-01-01 01:30:05"
    assert day(late) == "2027-01-01"
    assert day(date(2026, 3, 9)) == "2026-03-09"
    assert day(None) == moment(None) == ""


def test_a_period_names_both_days_as_the_pages_do():
    assert period(date(2026, 12, 1), date(2026, 12, 31)) == "2026-12-01 — 2026-12-31"
