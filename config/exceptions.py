class ApplicationError(Exception):
    """A business rule refused an action. ``message`` is shown to the user
    (already translated); ``field`` names the form field it belongs to."""

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def text_or_refuse(value: str | None, *, field: str, limit: int, missing: str) -> str:
    """``value`` trimmed, or an ApplicationError on ``field``: ``missing``
    when it is empty, a length message when it is longer than ``limit``."""
    from django.utils.translation import gettext as _

    text = (value or "").strip()
    if not text:
        raise ApplicationError(missing, field=field)
    if len(text) > limit:
        raise ApplicationError(
            _("Keep it under %(n)d characters.") % {"n": limit}, field=field
        )
    return text
