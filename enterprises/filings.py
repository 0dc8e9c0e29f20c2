"""Filing numbers of generative-AI services (生成式人工智能服务备案号), the
one place their shape is written.

Under the Interim Measures for the Management of Generative AI Services
(《生成式人工智能服务管理暂行办法》, in force 15 August 2023) a model service
offered to the public is filed with the Cyberspace Administration (网信办),
which publishes the filed services with their numbers; a service that uses
a model names the model and its number. No published standard defines the
number. The numbers published and shown by the services themselves read

    <province in pinyin>-<model name in Latin letters>-<date filed>[<4-digit sequence>]

for example ``Beijing-WenXinYiYan-20230821``, ``ZheJiang-TongYiQianWen-20230901``
(the province spelt with capitals inside, too), ``Beijing-DeepseekChat-202404280016``
and ``Shanghai-TongYiWanXiang-202410090024``: the first batches carry the
date (YYYYMMDD) alone, later ones the date and a sequence number.

Because the form is only seen, not specified, it is checked loosely: a
province word of Latin letters, a model part of Latin letters and digits
(hyphens, dots and underscores inside it allowed), and a real date, from
2023 on, with or without the four-digit sequence. The province is not
matched against a list of spellings (they differ between publications).
Whether a number was really filed is what the imported filing list says
(``enterprises.models.GenAIFiling``), not this shape.

Pure functions, no database; messages are lazy translations.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 100
FIRST_YEAR = 2023  # the Interim Measures came into force on 2023-08-15

PATTERN = re.compile(
    r"^(?P<province>[A-Za-z]{2,30})"
    r"-(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,60}[A-Za-z0-9])?)"
    r"-(?P<date>\d{8})(?P<sequence>\d{4})?$"
)
EXAMPLE = "Beijing-WenXinYiYan-20230821"


def normalize_filing_number(value: str) -> str:
    """The number as written, without surrounding or inner white space."""
    return "".join((value or "").split())


def filing_key(value: str) -> str:
    """What two spellings of one number share (the capitals in the pinyin
    differ between publications): the normalised number, upper-case."""
    return normalize_filing_number(value).upper()


def filing_date(value: str) -> date | None:
    """The date a well-formed number carries, else None."""
    match = PATTERN.match(normalize_filing_number(value))
    if match is None:
        return None
    raw = match.group("date")
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def validate_filing_number(value: str) -> str:
    """The normalised number, or ValidationError (code ``filing_number``)
    saying which shape is expected."""
    number = normalize_filing_number(value)
    filed = filing_date(number)
    if len(number) > MAX_LENGTH or filed is None or filed.year < FIRST_YEAR:
        raise ValidationError(
            _(
                "“%(value)s” is not a generative-AI service filing number: it "
                "reads province-model-date, for example %(example)s (a date "
                "from 2023 on, sometimes followed by a four-digit number)."
            ),
            code="filing_number",
            params={"value": number[:MAX_LENGTH], "example": EXAMPLE},
        )
    return number
