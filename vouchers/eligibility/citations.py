"""A rule's citation: the policy document and article a program version says
the rule implements, and the one way it is written after a reason.

A citation is ``{"document": title, "article": number}`` as the version's
``citations`` names it (``ProgramParams.citations``) and as the engine copies
it into each rule result (``RuleResult.cite``), so a stored decision keeps the
citation of the version it was made under. It is written in both languages
here, without gettext, like the reasons themselves: a notification stores
the Chinese and the English reason at once, whatever language is active.
Documents are published in Chinese, so their titles stay Chinese in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ARTICLE = re.compile(r"^第([0-9]+|[零〇一二两三四五六七八九十百]+)条$")


def _chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105 (None if not a number)."""
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def article_en(number: str) -> str:
    """An article's number for an English reader: 第五条 → Article 5; a
    number written otherwise (政策措施) stays as the document writes it."""
    match = _ARTICLE.match(number)
    if match:
        digits = match.group(1)
        n = int(digits) if digits.isdigit() else _chinese_number(digits)
        if n:
            return f"Article {n}"
    return number


def citation_text(cite: Mapping[str, Any] | None, language: str | None) -> str:
    """（依据：《杭州市算力券实施细则》第五条） in Chinese, (under Article 5 of
    杭州市算力券实施细则) in English; "" when there is no citation."""
    if not cite or not cite.get("document") or not cite.get("article"):
        return ""
    document, article = cite["document"], cite["article"]
    if (language or "").startswith("en"):
        english = article_en(article)
        if english == article:
            return f"(under {document}, {article})"
        return f"(under {english} of {document})"
    return f"（依据：《{document}》{article}）"


def cited_reason(
    reason: str, cite: Mapping[str, Any] | None, language: str | None
) -> str:
    """The reason followed by its citation, as every page, notification and
    report shows a rule's reason."""
    citation = citation_text(cite, language)
    if not citation:
        return reason
    if not reason:
        return citation
    return (
        f"{reason}{citation}"
        if not (language or "").startswith("en")
        else (f"{reason} {citation}")
    )
