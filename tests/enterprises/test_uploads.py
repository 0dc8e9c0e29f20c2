"""Uploaded files: checked by content and size, stored under a generated name
outside the static root, and served only through the permission-checked view."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from audits import actions
from audits.models import AuditEvent
from config.exceptions import ApplicationError
from enterprises import services
from enterprises.models import Document, Enterprise, EnterpriseClaim
from enterprises.uploads import check_upload
from enterprises.uscc import make_uscc
from tests.factories import EnterpriseFactory, UserFactory, make_role_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56
UUID_PDF = re.compile(r"^[0-9a-f]{32}\.pdf$")
ORIGINAL = {}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    ORIGINAL.setdefault("MEDIA_ROOT", Path(settings.MEDIA_ROOT))
    ORIGINAL.setdefault("STATIC_ROOT", Path(settings.STATIC_ROOT))
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def enterprise(applicant):
    return Enterprise.objects.get(memberships__user=applicant)


# Refused files, by the service


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (ELF, "Only PDF, JPEG and PNG files are accepted; this file is none of them."),
        (MZ, "Only PDF, JPEG and PNG files are accepted; this file is none of them."),
        (b"", "The file is empty."),
    ],
    ids=["elf", "windows-exe", "empty"],
)
def test_refused_file_is_not_stored(
    applicant, enterprise, media_root, content, message
):
    # when
    with pytest.raises(ApplicationError) as exc:
        services.document_store(
            upload=upload("licence.pdf", content),
            kind=Document.Kind.BUSINESS_LICENCE,
            uploaded_by=applicant,
            enterprise=enterprise,
        )

    # then
    assert exc.value.message == message
    assert not Document.objects.exists()
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action=actions.DOCUMENT_UPLOADED).exists()


def test_oversized_file_is_refused_with_the_limit(
    applicant, enterprise, media_root, settings
):
    # given
    settings.UPLOAD_MAX_BYTES = 1024
    too_big = upload("licence.pdf", PDF + b"0" * 1024)

    # when
    with pytest.raises(ApplicationError) as exc:
        services.document_store(
            upload=too_big,
            kind=Document.Kind.BUSINESS_LICENCE,
            uploaded_by=applicant,
            enterprise=enterprise,
        )

    # then
    assert exc.value.code == "too_large"
    assert "files may be at most 1.0\xa0KB" in exc.value.message
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_file_of_exactly_the_limit_is_accepted(applicant, enterprise, settings):
    # given
    settings.UPLOAD_MAX_BYTES = 1024
    content = PDF + b"0" * (1024 - len(PDF))

    # when
    document = services.document_store(
        upload=upload("licence.pdf", content),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )

    # then
    assert document.size == 1024


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [(PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg")],
)
def test_images_are_accepted_by_content(content, content_type, extension):
    # when
    checked = check_upload(upload("photo.pdf", content))

    # then
    assert (checked.content_type, checked.extension) == (content_type, extension)


# Accepted files


def test_pdf_with_a_wrong_extension_is_stored_as_pdf_under_a_generated_name(
    applicant, enterprise, media_root
):
    # when
    document = services.document_store(
        upload=upload("scan.png", PDF, content_type="image/png"),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )

    # then
    document.refresh_from_db()
    assert document.content_type == "application/pdf"
    assert document.original_name == "scan.png"
    stored_name = Path(document.file.name).name
    assert UUID_PDF.match(stored_name), stored_name
    assert "scan" not in document.file.name
    [path] = stored_files(media_root)
    assert path.read_bytes() == PDF
    assert path.name == stored_name
    assert document.size == len(PDF)
    [event] = AuditEvent.objects.filter(action=actions.DOCUMENT_UPLOADED)
    assert event.after["content_type"] == "application/pdf"
    assert event.after["sha256"] == document.sha256


def test_path_in_the_original_name_is_dropped(applicant, enterprise):
    # when
    document = services.document_store(
        upload=upload("..\\..\\etc\\licence.pdf", PDF),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )

    # then
    assert document.original_name == "licence.pdf"


def test_uploads_are_stored_outside_the_static_root(applicant, enterprise, media_root):
    # given: the configured media root is not inside the static root
    original_media, static_root = ORIGINAL["MEDIA_ROOT"], ORIGINAL["STATIC_ROOT"]
    assert not original_media.resolve().is_relative_to(static_root.resolve())

    # when
    document = services.document_store(
        upload=upload("licence.pdf", PDF),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )

    # then
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(Path(media_root).resolve())
    assert not path.is_relative_to(static_root.resolve())


def test_stored_file_has_no_public_url(client, applicant, enterprise):
    # given
    document = services.document_store(
        upload=upload("licence.pdf", PDF),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )
    client.sign_in(applicant, language="en")

    # when
    response = client.get(document.file.url)

    # then
    assert response.status_code == 404


# Refused files, through a form


def claim_post(client, uscc, licence):
    return client.post(
        reverse("enterprises:claim"),
        {"uscc": uscc, "step": "details", "licence": licence},
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("licence.pdf", ELF, "Only PDF, JPEG and PNG files are accepted"),
        ("licence.pdf", MZ, "Only PDF, JPEG and PNG files are accepted"),
        ("licence.pdf", b"", "The submitted file is empty."),
    ],
    ids=["elf", "windows-exe", "empty"],
)
def test_claim_page_refuses_bad_licence_and_stores_nothing(
    client, media_root, name, content, message
):
    # given
    enterprise = EnterpriseFactory()
    user = UserFactory()
    client.sign_in(user, language="en")

    # when
    response = claim_post(client, enterprise.uscc, upload(name, content))

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EnterpriseClaim.objects.exists()
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_claim_page_refuses_oversized_licence_and_stores_nothing(
    client, media_root, settings
):
    # given
    settings.UPLOAD_MAX_BYTES = 100
    enterprise = EnterpriseFactory()
    client.sign_in(UserFactory(), language="en")

    # when
    response = claim_post(client, enterprise.uscc, upload("licence.pdf", PDF * 5))

    # then
    assert response.status_code == 200
    assert "files may be at most 100\xa0bytes" in response.content.decode()
    assert not EnterpriseClaim.objects.exists()
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


# Download


@pytest.fixture
def document(applicant, enterprise):
    return services.document_store(
        upload=upload("营业执照.pdf", PDF),
        kind=Document.Kind.INVESTMENT_EVIDENCE,
        uploaded_by=applicant,
        enterprise=enterprise,
    )


def download(client, document):
    response = client.get(reverse("enterprises:document", args=[document.pk]))
    # Reading the whole stream closes the file (the test client wraps it).
    body = b"".join(response.streaming_content) if response.streaming else None
    return response, body


def test_uploader_downloads_the_document_as_an_attachment(client, applicant, document):
    # given
    client.sign_in(applicant, language="en")

    # when
    response, body = download(client, document)

    # then
    assert response.status_code == 200
    assert body == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
        in (response["Content-Disposition"])
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_applicant_of_another_enterprise_gets_404(client, other_applicant, document):
    # given
    client.sign_in(other_applicant, language="en")

    # when
    response, _ = download(client, document)

    # then
    assert response.status_code == 404


def test_anonymous_download_redirects_to_login(client, document):
    # when
    response, _ = download(client, document)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_reviewer_of_the_region_downloads_the_document(client, reviewer, document):
    # given
    client.sign_in(reviewer, language="en")

    # when
    response, body = download(client, document)

    # then
    assert response.status_code == 200
    assert body == PDF


def test_reviewer_of_another_region_gets_404(client, document):
    # given
    ningbo_reviewer = make_role_user(Role.REVIEWER, region="330203")
    client.sign_in(ningbo_reviewer, language="en")

    # when
    response, _ = download(client, document)

    # then
    assert response.status_code == 404


def test_rejected_claimants_licence_is_hidden_from_the_later_owner(
    client, reviewer, media_root
):
    # given: a stranger's claim is rejected, then the real owner's is accepted
    enterprise = EnterpriseFactory(uscc=make_uscc("330106", "MA2H0009"))
    stranger, owner = UserFactory(), UserFactory()
    rejected = services.enterprise_claim(
        user=stranger, uscc=enterprise.uscc, licence_upload=upload("a.pdf", PDF)
    )
    services.claim_decide(claim=rejected, reviewer=reviewer, accept=False, reason="x")
    accepted = services.enterprise_claim(
        user=owner, uscc=enterprise.uscc, licence_upload=upload("b.pdf", PDF)
    )
    services.claim_decide(claim=accepted, reviewer=reviewer, accept=True)
    client.sign_in(owner, language="en")

    # when
    theirs, _ = download(client, accepted.licence)
    strangers, _ = download(client, rejected.licence)

    # then
    assert theirs.status_code == 200
    assert strangers.status_code == 404


# Download, audited


def downloads():
    return list(AuditEvent.objects.filter(action=actions.DOCUMENT_DOWNLOADED))


def test_a_download_records_who_took_which_file_from_where(client, reviewer, document):
    # given
    client.sign_in(reviewer, language="en")

    # when: the event is written before the body is read, complete or not
    response = client.get(
        reverse("enterprises:document", args=[document.pk]),
        REMOTE_ADDR="203.0.113.7",
    )

    # then
    assert response.status_code == 200
    [event] = downloads()
    assert event.actor == reviewer
    assert event.object_type == "enterprises.document"
    assert event.object_id == str(document.pk)
    assert event.object_repr == "营业执照.pdf"
    assert event.after == {
        "file_name": "营业执照.pdf",
        "size": len(PDF),
        "sha256": document.sha256,
    }
    assert event.client_ip == "203.0.113.7"
    assert b"".join(response.streaming_content) == PDF


def test_each_download_is_one_event(client, applicant, document):
    # given
    client.sign_in(applicant, language="en")

    # when
    download(client, document)
    download(client, document)

    # then
    assert [e.actor for e in downloads()] == [applicant, applicant]


@pytest.mark.parametrize("who", ["other_applicant", "ningbo_reviewer", "anonymous"])
def test_a_refused_download_records_nothing(client, document, who, request):
    # given
    if who == "ningbo_reviewer":
        client.sign_in(make_role_user(Role.REVIEWER, region="330203"), language="en")
    elif who != "anonymous":
        client.sign_in(request.getfixturevalue(who), language="en")

    # when
    response, body = download(client, document)

    # then
    assert response.status_code in (302, 404)
    assert body is None
    assert downloads() == []


def test_a_document_whose_file_is_gone_answers_404_and_records_nothing(
    client, applicant, document
):
    # given
    Path(document.file.path).unlink()
    client.sign_in(applicant, language="en")

    # when
    response, _ = download(client, document)

    # then
    assert response.status_code == 404
    assert downloads() == []


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Uploaded document downloaded"), ("zh-hans", "下载上传材料")],
)
def test_the_auditors_event_list_names_the_download(
    client, reviewer, document, language, label
):
    # given
    client.sign_in(reviewer, language="en")
    download(client, document)
    auditor = make_role_user(Role.AUDITOR, region="330000")
    client.sign_in(auditor, language=language)

    # when
    page = client.get(
        reverse("audits:event-list"), {"action": actions.DOCUMENT_DOWNLOADED}
    ).content.decode()

    # then: the row's action and object cells (the filter lists every label)
    assert f"<td>{label}</td><td>营业执照.pdf</td>" in page
