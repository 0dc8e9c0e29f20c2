"""The list of filed generative-AI services (issue 12): the filing number's
shape, the CSV import (service, command and admin page: all or nothing,
idempotent, audited), where an offering stands on the list, the offering
form's check and the flag on the offering pages."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import services
from enterprises.filings import filing_date, filing_key, validate_filing_number
from enterprises.models import GenAIFiling, Offering
from enterprises.selectors import (
    FilingStatus,
    offering_filing_status,
    offerings_with_filing_status,
)
from tests.factories import ProviderFactory, UserFactory, make_role_user, membership

HEADER = "filing_number,model_name,filer_name,region,filed_on,revoked_on\n"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode("utf-8")


LIST = csv(
    "Beijing-WenXinYiYan-20230821,文心一言,北京百度网讯科技有限公司,北京,,",
    "ZheJiang-TongYiQianWen-20230901,通义千问,阿里巴巴达摩院（杭州）科技有限公司,浙江,2023-09-01,",
    "Shanghai-OldModel-202404180001,旧模型,上海某公司,上海,,2025-06-30",
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def entries():
    return list(
        GenAIFiling.objects.order_by("number_key").values_list(
            "filing_number", "model_name", "filed_on", "revoked_on"
        )
    )


# -- the number's shape ------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "Beijing-WenXinYiYan-20230821",
        "ZheJiang-TongYiQianWen-20230901",
        "Zhejiang-XXX-202404180001",
        "Beijing-DeepseekChat-202404280016",
        "Shanghai-TongYiWanXiang-202410090024",
        "Beijing-Skiff-LLMs-20240102",
        " Beijing-YunQue-20230821 ",
    ],
)
def test_published_filing_numbers_have_the_shape(number):
    assert validate_filing_number(number) == number.strip()


@pytest.mark.parametrize(
    "number",
    [
        "",
        "网信算备110108823483901230031号",  # an algorithm filing, not a service's
        "Zhejiang-2024-001",
        "Beijing-WenXinYiYan",
        "Beijing-WenXinYiYan-2023082",  # seven digits
        "Beijing-WenXinYiYan-20231341",  # no such date
        "Beijing-WenXinYiYan-20220821",  # before the Interim Measures
        "Beijing-WenXinYiYan-20230821001",  # a three-digit sequence
        "北京-文心一言-20230821",
        "-WenXinYiYan-20230821",
    ],
)
def test_other_numbers_are_refused_with_the_expected_shape(number):
    with pytest.raises(ValidationError) as raised:
        validate_filing_number(number)
    assert raised.value.code == "filing_number"
    assert "Beijing-WenXinYiYan-20230821" in raised.value.messages[0]


def test_two_spellings_of_one_number_share_their_key_and_date():
    assert filing_key("ZheJiang-TongYiQianWen-20230901") == filing_key(
        "Zhejiang-TongyiQianwen-20230901"
    )
    assert filing_date("Shanghai-TongYiWanXiang-202410090024") == date(2024, 10, 9)


# -- the import --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_is_imported_and_the_import_audited():
    # when
    result = services.filing_list_import(content=LIST, source="list.csv")

    # then
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert entries() == [
        ("Beijing-WenXinYiYan-20230821", "文心一言", date(2023, 8, 21), None),
        (
            "Shanghai-OldModel-202404180001",
            "旧模型",
            date(2024, 4, 18),
            date(2025, 6, 30),
        ),
        ("ZheJiang-TongYiQianWen-20230901", "通义千问", date(2023, 9, 1), None),
    ]
    [event] = AuditEvent.objects.filter(action=actions.GENAI_FILING_LIST_IMPORTED)
    assert event.after["rows"] == 3
    assert event.after["created"] == 3
    assert event.after["revoked"] == 1
    assert event.object_repr == "list.csv"


@pytest.mark.django_db
def test_importing_the_same_list_again_changes_nothing():
    # given
    services.filing_list_import(content=LIST)
    before = entries()

    # when
    result = services.filing_list_import(content=LIST)

    # then
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert entries() == before
    assert GenAIFiling.objects.count() == 3


@pytest.mark.django_db
def test_a_later_list_revokes_and_keeps_what_it_leaves_out():
    # given
    services.filing_list_import(content=LIST)

    # when: the same number in other capitals, now revoked; the rest left out
    result = services.filing_list_import(
        content=csv("Beijing-WENXINYIYAN-20230821,文心一言,,北京,,2026-01-31")
    )

    # then
    assert (result.created, result.updated) == (0, 1)
    wenxin = GenAIFiling.objects.get(number_key="BEIJING-WENXINYIYAN-20230821")
    assert wenxin.revoked_on == date(2026, 1, 31)
    assert GenAIFiling.objects.count() == 3


@pytest.mark.django_db
def test_the_published_chinese_headers_are_read():
    # when
    services.filing_list_import(
        content=csv(
            "北京,文心一言,北京百度网讯科技有限公司,Beijing-WenXinYiYan-20230821,2023-08-21",
            header="属地,模型名称,备案单位,备案号,备案时间\n",
        )
    )

    # then
    entry = GenAIFiling.objects.get()
    assert (entry.filer_name, entry.region) == ("北京百度网讯科技有限公司", "北京")


@pytest.mark.django_db
def test_a_file_with_any_bad_line_is_refused_whole_naming_each_line():
    # given
    bad = csv(
        "Beijing-WenXinYiYan-20230821,文心一言,,,,",
        "Zhejiang-2024-001,坏编号,,,,",
        "Beijing-WenXinYiYan-20230821,重复,,,,",
        "Beijing-NoName-20240101,,,,,",
        "Beijing-Dated-20240101,某模型,,,2024-13-01,",
        "Beijing-Back-20240301,某模型,,,2024-03-01,2024-02-01",
    )

    # when
    with pytest.raises(ApplicationError) as raised:
        services.filing_list_import(content=bad)

    # then
    lines = raised.value.message.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
    ]
    assert "Beijing-WenXinYiYan-20230821 is on line 2 already" in lines[1]
    assert "revoked_on is before filed_on" in lines[4]
    assert not GenAIFiling.objects.exists()
    assert not AuditEvent.objects.filter(
        action=actions.GENAI_FILING_LIST_IMPORTED
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "The file is not UTF-8 text."),
        (b"model_name\nx\n", "The header row lacks the columns: filing_number."),
        (HEADER.encode(), "The file has no rows."),
    ],
)
def test_an_unreadable_or_empty_file_is_refused(content, message):
    with pytest.raises(ApplicationError) as raised:
        services.filing_list_import(content=content)
    assert raised.value.message == message


@pytest.mark.django_db
def test_the_command_imports_and_refuses_a_bad_file(tmp_path):
    # given
    good, bad = tmp_path / "list.csv", tmp_path / "bad.csv"
    good.write_bytes(LIST)
    bad.write_bytes(csv("Zhejiang-2024-001,坏编号,,,,"))
    out = StringIO()

    # when
    call_command("import_filing_list", str(good), stdout=out)

    # then
    assert "Imported list.csv: 3 new, 0 updated, 0 unchanged." in out.getvalue()
    with pytest.raises(CommandError) as raised:
        call_command("import_filing_list", str(bad))
    assert str(raised.value).startswith("Nothing imported.\nLine 2:")
    assert GenAIFiling.objects.count() == 3


@pytest.mark.django_db
def test_a_superuser_uploads_the_list_in_the_admin(client):
    # given
    admin_user = get_user_model().objects.create_superuser(
        email="root@example.com", password="x"
    )
    client.force_login(admin_user)
    upload = SimpleUploadedFile("list.csv", LIST, content_type="text/csv")

    # when
    response = client.post(
        reverse("admin:enterprises_genaifiling_upload"), {"file": upload}
    )

    # then
    assert response.status_code == 302
    assert GenAIFiling.objects.count() == 3
    [event] = AuditEvent.objects.filter(action=actions.GENAI_FILING_LIST_IMPORTED)
    assert event.actor == admin_user


# -- an offering on the list ---------------------------------------------------------


def model_offering(provider, number: str, **changes) -> Offering:
    return Offering.objects.create(
        provider=provider,
        kind=Offering.Kind.MODEL,
        name=changes.pop("name", f"{number} API"),
        unit=Offering.Unit.THOUSAND_TOKENS,
        list_price=Decimal("0.0100"),
        model_name="某模型",
        filing_number=number,
        **changes,
    )


@pytest.mark.django_db
def test_an_offering_is_listed_revoked_or_absent():
    # given
    services.filing_list_import(content=LIST)
    provider = ProviderFactory(offers_model=True)
    listed = model_offering(provider, "Zhejiang-TongyiQianwen-20230901")
    revoked = model_offering(provider, "Shanghai-OldModel-202404180001")
    absent = model_offering(provider, "Beijing-Unknown-20240101")
    compute = Offering.objects.create(
        provider=provider,
        kind=Offering.Kind.COMPUTE,
        name="A100",
        unit=Offering.Unit.GPU_CARD_HOUR,
        list_price=Decimal("12.5"),
    )

    # then
    assert offering_filing_status(listed) == FilingStatus.LISTED
    assert offering_filing_status(revoked) == FilingStatus.REVOKED
    assert offering_filing_status(absent) == FilingStatus.ABSENT
    assert offering_filing_status(compute) == FilingStatus.NOT_NEEDED
    # a revocation takes effect on its day
    before = date(2025, 6, 29)
    assert offering_filing_status(revoked, today=before) == FilingStatus.LISTED
    rows = offerings_with_filing_status([listed, revoked, absent, compute])
    assert [o.filing_status for o in rows] == ["listed", "revoked", "absent", ""]
    assert rows[2].filing_status_label == "Not on the filing list"


@pytest.fixture
def provider_staff():
    provider = ProviderFactory(offers_model=True)
    staff = UserFactory()
    membership(staff, Role.PROVIDER_STAFF, provider)
    return provider, staff


@pytest.mark.django_db
def test_the_offering_service_checks_the_filing_numbers_shape(provider_staff):
    # given
    provider, staff = provider_staff
    data = {
        "kind": Offering.Kind.MODEL,
        "name": "通用大模型API",
        "unit": Offering.Unit.THOUSAND_TOKENS,
        "list_price": Decimal("0.0120"),
        "model_name": "ZJ-LLM-7B",
        "filing_number": "Zhejiang-2024-001",
    }

    # when
    with pytest.raises(ApplicationError) as raised:
        services.offering_add(provider=provider, data=data, actor=staff)

    # then
    assert raised.value.field == "filing_number"
    assert "province-model-date" in raised.value.message
    assert not Offering.objects.exists()
    offering = services.offering_add(
        provider=provider,
        data={**data, "filing_number": " Zhejiang-ZJLLM-20240101 "},
        actor=staff,
    )
    assert offering.filing_number == "Zhejiang-ZJLLM-20240101"


@pytest.mark.django_db
def test_the_offering_form_checks_the_filing_numbers_shape(client, provider_staff):
    # given
    provider, staff = provider_staff
    client.sign_in(staff, language="en")

    # when
    response = client.post(
        reverse("enterprises:provider-detail", args=[provider.pk]),
        {
            "kind": "model",
            "name": "通用大模型API",
            "unit": "thousand_tokens",
            "list_price": "0.012",
            "model_name": "ZJ-LLM-7B",
            "filing_number": "ZJ-001",
        },
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_filing_number_error">' in page
    assert "is not a generative-AI service filing number" in page
    assert not Offering.objects.exists()


@pytest.mark.django_db
def test_the_offering_pages_flag_what_is_not_on_the_list(client, provider_staff):
    # given
    services.filing_list_import(content=LIST)
    provider, staff = provider_staff
    listed = model_offering(provider, "Beijing-WenXinYiYan-20230821")
    revoked = model_offering(provider, "Shanghai-OldModel-202404180001")
    absent = model_offering(provider, "Beijing-Unknown-20240101")
    url = reverse("enterprises:provider-detail", args=[provider.pk])
    manager = make_role_user(Role.PROGRAM_MANAGER, region="330000")

    for user in (staff, manager):
        # when
        page = client.sign_in(user, language="en").get(url).content.decode()

        # then
        assert f'data-testid="filing-{listed.pk}">On the filing list' in page
        assert f'data-testid="filing-{revoked.pk}">Filing revoked' in page
        assert f'data-testid="filing-{absent.pk}">Not on the filing list' in page
        assert "2 model services are not on the list" in page
