import os
import time
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from enterprises import services
from enterprises.models import Document
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_files_without_a_document_are_deleted_and_documents_kept(settings, tmp_path):
    # given: one stored document and one stray file, both old
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()
    document = services.document_store(
        upload=SimpleUploadedFile(
            "a.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf"
        ),
        kind=Document.Kind.OTHER,
        uploaded_by=user,
        enterprise=EnterpriseFactory(),
    )
    stray = tmp_path / "uploads" / "2026" / "11" / "stray.pdf"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"%PDF-1.4")
    old = time.time() - 48 * 3600
    for path in (stray, tmp_path / document.file.name):
        os.utime(path, (old, old))

    # when
    out = StringIO()
    call_command("clean_orphan_uploads", stdout=out)

    # then
    assert not stray.exists()
    assert (tmp_path / document.file.name).exists()
    assert "Deleted 1" in out.getvalue()


def test_recent_stray_files_are_kept(settings, tmp_path):
    # given: a stray file written a minute ago (its transaction may still run)
    settings.MEDIA_ROOT = tmp_path
    stray = tmp_path / "uploads" / "new.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.4")

    # when
    call_command("clean_orphan_uploads", stdout=StringIO())

    # then
    assert stray.exists()
