"""What an eligibility decision looks at, as plain values.

Facts are gathered once (from the register, a form or the self-check API)
and stored with the decision as JSON, so the decision can be re-explained
later with exactly the facts and the program version it was made with.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Investment:
    year: int
    it: Decimal
    ai: Decimal


@dataclass(frozen=True)
class CreditEntry:
    listed_on: date
    removed_on: date | None = None


@dataclass(frozen=True)
class PartyFacts:
    """Who stands behind an organisation, for the related-party rule. Names
    and addresses are normalised; ID numbers are keyed hashes only."""

    legal_representative: str = ""
    shareholder_names: tuple[str, ...] = ()
    shareholder_keys: tuple[str, ...] = ()
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class EnterpriseFacts:
    credit_code: str
    region_code: str
    industry_code: str
    size_class: str
    employees: int | None = None
    revenue: Decimal | None = None
    total_assets: Decimal | None = None
    established_on: date | None = None
    size_basis: dict = field(default_factory=dict)
    investments: tuple[Investment, ...] = ()
    credit_entries: tuple[CreditEntry, ...] = ()
    party: PartyFacts = field(default_factory=PartyFacts)


@dataclass(frozen=True)
class ContractFacts:
    signed_on: date
    term_months: int
    amount: Decimal
    # The amount less the line items the program excludes (storage, network...).
    eligible_amount: Decimal
    # The enterprise's contracts of the year, this one included.
    year_contract_total: Decimal
    facility: str = ""
    contract_number: str = ""


@dataclass(frozen=True)
class ProviderFacts:
    credit_code: str
    status: str
    offers_compute: bool
    offers_model: bool
    facility: str = ""
    offering_kind: str = ""
    offering_filing_number: str = ""
    # Where that number stands on the imported list of filed generative-AI
    # services (enterprises.selectors.FilingStatus: listed, revoked, absent);
    # "" when the list was not consulted (compute offerings, the self-check,
    # and decisions stored before the list was).
    offering_filing_status: str = ""
    party: PartyFacts = field(default_factory=PartyFacts)
    # Keyed hash of the provider's credit code, to find it among shareholders.
    credit_code_key: str = ""


@dataclass(frozen=True)
class HistoryFacts:
    """What existing records say; absent in the public self-check."""

    # Other live applications (not rejected or withdrawn) of the same
    # provider and contract number, in any program.
    other_claims_of_contract: int = 0
    # The enterprise's approved and pending subsidy in this program and year.
    enterprise_year_committed: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Facts:
    enterprise: EnterpriseFacts
    decided_on: date
    contract: ContractFacts | None = None
    provider: ProviderFacts | None = None
    history: HistoryFacts | None = None

    def to_json(self) -> dict[str, Any]:
        return _dump(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        return _load(cls, data)


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {
            f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _load(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        return _load(inner, data)
    if origin is tuple:
        inner = typing.get_args(tp)[0]
        return tuple(_load(inner, v) for v in data)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{k: _load(hints[k], v) for k, v in data.items() if k in hints})
    if tp is Decimal:
        return Decimal(data)
    if tp is date:
        return date.fromisoformat(data)
    return data
