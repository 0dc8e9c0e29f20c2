"""Checks on uploaded files: type by content (magic bytes), never by name;
size within the limit; not empty. A file that fails is refused and nothing is
stored."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# magic bytes → (content type, extension)
_SIGNATURES = [
    (b"%PDF-", ("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
]


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str

    @property
    def storage_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, result in _SIGNATURES:
        if head.startswith(magic):
            return result
    return None


def check_upload(upload) -> CheckedUpload:
    """Validate an UploadedFile; raise ValidationError with a clear message."""
    limit = settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."),
            code="type",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return CheckedUpload(
        content_type=kind[0],
        extension=kind[1],
        size=size,
        sha256=digest.hexdigest(),
        original_name=name,
    )
