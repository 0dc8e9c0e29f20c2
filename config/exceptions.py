class ApplicationError(Exception):
    """A business rule refused an action. ``message`` is shown to the user
    (already translated); ``field`` names the form field it belongs to."""

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
