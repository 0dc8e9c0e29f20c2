"""How a stored upload is answered (the web side of ``uploads.py``): every
view that sends back a file someone uploaded (a register document, an
objection's evidence) has checked who asks, then answers through
``stored_file_response``, which records the download before the file is
streamed."""

from __future__ import annotations

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from accounts.models import User

from .services import document_downloaded


def stored_file_response(
    *,
    target: models.Model,
    file: FieldFile,
    file_name: str,
    content_type: str,
    sha256: str,
    actor: User,
) -> FileResponse:
    """``file`` of ``target`` for ``actor`` (whom the view has let in), as
    an attachment never cached or sniffed, its download audited. A row
    whose file is gone (a restored backup, a manual clean-up) answers 404
    and records nothing: nothing was sent."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    try:
        document_downloaded(
            target=target,
            file_name=file_name,
            size=file.size,
            sha256=sha256,
            actor=actor,
        )
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle, as_attachment=True, filename=file_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
