"""The user agreement and the privacy notice a new user accepts at sign-up.

Each is a page (``/legal/terms/``, ``/legal/privacy/``) whose text lives in
``templates/accounts/legal/<document>.<language>.html``; its version is here.
Changing a text means a new version: the acceptance stored with each user
(``accounts.models.Consent``) names the version they saw.
"""

from __future__ import annotations

from accounts.models import Consent

VERSIONS: dict[str, str] = {
    Consent.Document.TERMS: "2026-12-07",
    Consent.Document.PRIVACY: "2026-12-07",
}


def template_for(document: str, language: str) -> str:
    """The document's text in the language (Chinese for anything else)."""
    suffix = "en" if (language or "").startswith("en") else "zh-hans"
    return f"accounts/legal/{document}.{suffix}.html"
