"""The list of seriously dishonest entities: CSV import (service, command and
admin page), credit status, and the register's credit filter."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import selectors, services
from enterprises.models import DishonestEntity
from enterprises.selectors import CreditStatus, credit_status
from enterprises.uscc import make_uscc
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

LISTED = make_uscc("330106", "D0000001")
REMOVED = make_uscc("330106", "D0000002")
OLD = make_uscc("330203", "D0000003")
CLEAR = make_uscc("330106", "D0000004")
HEADER = "uscc,name,listed_on,removed_on,authority,reference\n"
TODAY = timezone.localdate()


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode("utf-8")


LIST = csv(
    f"{LISTED},失信甲公司,{day(100)},,浙江省市场监督管理局,浙市监信〔2026〕1号",
    f"{REMOVED},失信乙公司,{day(800)},{day(400)},浙江省市场监督管理局,",
    f"{OLD},失信丙公司,{day(2000)},{day(1500)},,",
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def entries():
    return list(
        DishonestEntity.objects.order_by("uscc", "listed_on").values_list(
            "uscc", "listed_on", "removed_on"
        )
    )


# Import (service)


def test_import_creates_the_entries_and_records_an_event():
    # when
    result = services.dishonest_list_import(content=LIST, source="list.csv")

    # then
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    entry = DishonestEntity.objects.get(uscc=LISTED)
    assert entry.name == "失信甲公司"
    assert entry.removed_on is None
    assert entry.authority == "浙江省市场监督管理局"
    assert entry.reference == "浙市监信〔2026〕1号"
    [event] = AuditEvent.objects.filter(action=actions.DISHONEST_LIST_IMPORTED)
    assert event.actor is None
    assert event.object_repr == "list.csv"
    assert event.after["rows"] == 3
    assert event.after["created"] == 3


def test_import_of_the_same_file_again_changes_nothing():
    # given
    services.dishonest_list_import(content=LIST)
    before = list(DishonestEntity.objects.order_by("pk").values())

    # when
    result = services.dishonest_list_import(content=LIST)

    # then
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert list(DishonestEntity.objects.order_by("pk").values()) == before


def test_import_with_a_removal_date_updates_the_entry():
    # given
    services.dishonest_list_import(content=LIST)
    removal = csv(f"{LISTED},失信甲公司,{day(100)},{day(5)},浙江省市场监督管理局,")

    # when
    result = services.dishonest_list_import(content=removal)

    # then
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    entry = DishonestEntity.objects.get(uscc=LISTED)
    assert entry.removed_on == TODAY - timedelta(days=5)
    assert DishonestEntity.objects.count() == 3


def test_file_with_a_bad_line_imports_nothing_and_names_the_line():
    # given
    services.dishonest_list_import(content=LIST)
    before = entries()
    events = AuditEvent.objects.count()
    bad = csv(
        f"{CLEAR},新公司,{day(10)},,,",
        f"{make_uscc('330106', 'D0000005')},坏日期公司,2026-02-30,,,",
        f"{LISTED},失信甲公司,{day(100)},{day(1)},,",
    )

    # when
    with pytest.raises(ApplicationError) as exc:
        services.dishonest_list_import(content=bad)

    # then
    assert exc.value.message == (
        "Line 3: listed_on “2026-02-30” is not a date (YYYY-MM-DD)."
    )
    assert entries() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"{LISTED[:17]}?,甲,2024-01-01,,,", "Line 2: The check character is wrong"),
        (f"{LISTED[:10]},甲,2024-01-01,,,", "Line 2: A unified social credit code"),
        (f"{LISTED},,2024-01-01,,,", "Line 2: the name is missing."),
        (f"{LISTED},甲,,,,", "Line 2: listed_on is missing."),
        (f"{LISTED},甲,2024-01-01,2023-01-01,,", "Line 2: removed_on is before"),
        (f"{LISTED},甲,2024-01-01,soon,,", "Line 2: removed_on “soon” is not a date"),
    ],
    ids=["check", "length", "name", "listed-missing", "removed-early", "removed-bad"],
)
def test_each_kind_of_bad_line_is_reported(line, message):
    # when
    with pytest.raises(ApplicationError) as exc:
        services.dishonest_list_import(content=csv(line))

    # then
    assert exc.value.message.startswith(message)
    assert not DishonestEntity.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"uscc,name\n", "The header row lacks the columns: listed_on."),
        ("名单".encode("gbk"), "The file is not UTF-8 text."),
        (HEADER.encode(), "The file has no rows."),
    ],
    ids=["header", "encoding", "empty"],
)
def test_unreadable_file_is_refused(content, message):
    # when
    with pytest.raises(ApplicationError) as exc:
        services.dishonest_list_import(content=content)

    # then
    assert exc.value.message == message
    assert not DishonestEntity.objects.exists()
    assert not AuditEvent.objects.exists()


def test_utf8_file_with_bom_is_read():
    # when
    result = services.dishonest_list_import(content=b"\xef\xbb\xbf" + LIST)

    # then
    assert result.created == 3


# Import (command)


def test_command_imports_a_file_and_is_idempotent(tmp_path, capsys):
    # given
    path = tmp_path / "list.csv"
    path.write_bytes(LIST)

    # when
    call_command("import_dishonest_list", str(path))
    call_command("import_dishonest_list", str(path))

    # then
    out = capsys.readouterr().out
    assert "Imported list.csv: 3 new, 0 updated, 0 unchanged." in out
    assert "Imported list.csv: 0 new, 0 updated, 3 unchanged." in out
    assert DishonestEntity.objects.count() == 3
    assert (
        AuditEvent.objects.filter(
            action=actions.DISHONEST_LIST_IMPORTED, object_repr="list.csv"
        ).count()
        == 2
    )


def test_command_refuses_a_file_with_a_bad_line(tmp_path):
    # given
    path = tmp_path / "bad.csv"
    path.write_bytes(csv(f"{CLEAR},好公司,{day(1)},,,", f"{LISTED},坏公司,,,,"))

    # when
    with pytest.raises(CommandError) as exc:
        call_command("import_dishonest_list", str(path))

    # then
    assert "Nothing imported." in str(exc.value)
    assert "Line 3: listed_on is missing." in str(exc.value)
    assert not DishonestEntity.objects.exists()


def test_command_reports_a_missing_file(tmp_path):
    # when
    with pytest.raises(CommandError) as exc:
        call_command("import_dishonest_list", str(tmp_path / "missing.csv"))

    # then
    assert "Cannot read" in str(exc.value)


# Credit status


@pytest.fixture
def imported():
    services.dishonest_list_import(content=LIST)


def test_credit_status_is_listed_recent_or_clear(imported):
    # when
    listed, listed_entries = credit_status(uscc=LISTED)
    recent, _ = credit_status(uscc=REMOVED)
    old, old_entries = credit_status(uscc=OLD)
    clear, clear_entries = credit_status(uscc=CLEAR)

    # then
    assert listed == CreditStatus.LISTED
    assert [e.uscc for e in listed_entries] == [LISTED]
    assert recent == CreditStatus.RECENT
    assert old == CreditStatus.CLEAR
    assert len(old_entries) == 1
    assert (clear, clear_entries) == (CreditStatus.CLEAR, [])


@pytest.mark.parametrize(
    ("removed_on", "status"),
    [
        (date(2026, 6, 30), CreditStatus.LISTED),
        (date(2026, 6, 1), CreditStatus.RECENT),
        (date(2023, 6, 2), CreditStatus.RECENT),
        (date(2023, 6, 1), CreditStatus.CLEAR),
        (None, CreditStatus.LISTED),
    ],
)
def test_recent_means_removed_within_three_years(removed_on, status):
    # given
    DishonestEntity.objects.create(
        uscc=LISTED, name="甲", listed_on=date(2020, 1, 1), removed_on=removed_on
    )

    # when
    result, _ = credit_status(uscc=LISTED, today=date(2026, 6, 1))

    # then
    assert result == status


def test_future_listing_is_not_listed_yet():
    # given
    DishonestEntity.objects.create(uscc=LISTED, name="甲", listed_on=date(2026, 7, 1))

    # when
    result, _ = credit_status(uscc=LISTED, today=date(2026, 6, 1))

    # then
    assert result == CreditStatus.CLEAR


def test_a_current_listing_wins_over_an_old_removed_one():
    # given
    DishonestEntity.objects.create(
        uscc=LISTED,
        name="甲",
        listed_on=date(2018, 1, 1),
        removed_on=date(2019, 1, 1),
    )
    DishonestEntity.objects.create(uscc=LISTED, name="甲", listed_on=date(2025, 1, 1))

    # when
    result, found = credit_status(uscc=LISTED, today=date(2026, 6, 1))

    # then
    assert result == CreditStatus.LISTED
    assert len(found) == 2


# Register filter by credit


@pytest.fixture
def register(imported):
    return {
        code: EnterpriseFactory(uscc=code, name=name)
        for code, name in [
            (LISTED, "甲公司"),
            (REMOVED, "乙公司"),
            (OLD, "丙公司"),
            (CLEAR, "丁公司"),
        ]
    }


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        (CreditStatus.LISTED, {LISTED}),
        (CreditStatus.RECENT, {REMOVED}),
        (CreditStatus.CLEAR, {OLD, CLEAR}),
    ],
)
def test_register_list_filters_by_credit(register, program_manager, credit, expected):
    # when
    found = selectors.enterprise_register_list(user=program_manager, credit=credit)

    # then
    assert {e.uscc for e in found} & set(register) == expected


def test_register_page_filters_by_credit(client, register, program_manager):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = client.get(reverse("enterprises:register"), {"credit": "listed"})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "甲公司" in page
    assert "乙公司" not in page
    assert "丁公司" not in page
    assert [e.uscc for e in response.context["page"].object_list] == [LISTED]


def test_detail_page_warns_about_a_listed_enterprise(client, register, program_manager):
    # given
    client.sign_in(program_manager, language="en")

    # when
    response = client.get(reverse("enterprises:detail", args=[register[LISTED].pk]))

    # then
    assert response.status_code == 200
    assert 'data-testid="credit-listed"' in response.content.decode()
    assert "浙市监信〔2026〕1号" in response.content.decode()


# Admin upload page


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser(
        email="root@example.com", password="Correct-Horse-42"
    )


def test_admin_upload_page_imports_a_file(client, superuser):
    # given
    client.sign_in(superuser, language="en")
    url = reverse("admin:enterprises_dishonestentity_upload")

    # when
    page = client.get(url)
    response = client.post(
        url, {"file": SimpleUploadedFile("list.csv", LIST, content_type="text/csv")}
    )

    # then
    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:enterprises_dishonestentity_changelist"
    )
    assert DishonestEntity.objects.count() == 3
    [event] = AuditEvent.objects.filter(action=actions.DISHONEST_LIST_IMPORTED)
    assert event.actor == superuser
    assert event.object_repr == "list.csv"


def test_admin_upload_page_shows_the_bad_line_and_imports_nothing(client, superuser):
    # given
    client.sign_in(superuser, language="en")
    bad = csv(f"{CLEAR},好公司,{day(1)},,,", f"{LISTED},坏公司,,,,")

    # when
    response = client.post(
        reverse("admin:enterprises_dishonestentity_upload"),
        {"file": SimpleUploadedFile("bad.csv", bad, content_type="text/csv")},
    )

    # then
    assert response.status_code == 200
    assert "Line 3: listed_on is missing." in response.content.decode()
    assert not DishonestEntity.objects.exists()


def test_admin_upload_page_is_for_superusers_only(client, program_manager):
    # given
    program_manager.is_staff = True
    program_manager.save(update_fields=["is_staff"])
    client.sign_in(program_manager, language="en")

    # when
    response = client.post(
        reverse("admin:enterprises_dishonestentity_upload"),
        {"file": SimpleUploadedFile("list.csv", LIST, content_type="text/csv")},
    )

    # then
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not DishonestEntity.objects.exists()
