"""Facts from the register, in bulk: a constant number of queries per batch
whatever its size (used by re-screening and, later, by applications)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from enterprises.models import (
    DishonestEntity,
    Enterprise,
    InvestmentDeclaration,
    Provider,
    Shareholder,
)
from enterprises.pii import hash_id_number, normalize_phone

from .facts import CreditEntry, EnterpriseFacts, Investment, PartyFacts


def enterprise_facts_bulk(
    enterprises: Sequence[Enterprise],
) -> dict[int, EnterpriseFacts]:
    """EnterpriseFacts for each enterprise: three queries for the whole batch
    (current declarations, dishonesty entries, shareholders)."""
    ids = [e.pk for e in enterprises]
    codes = [e.uscc for e in enterprises]
    investments: dict[int, list[Investment]] = defaultdict(list)
    for row in InvestmentDeclaration.objects.filter(
        enterprise_id__in=ids, superseded_at__isnull=True
    ).values_list("enterprise_id", "year", "it_amount", "ai_amount"):
        investments[row[0]].append(Investment(year=row[1], it=row[2], ai=row[3]))
    credit: dict[str, list[CreditEntry]] = defaultdict(list)
    for code, listed_on, removed_on in DishonestEntity.objects.filter(
        uscc__in=codes
    ).values_list("uscc", "listed_on", "removed_on"):
        credit[code].append(CreditEntry(listed_on=listed_on, removed_on=removed_on))
    holders: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in Shareholder.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "name", "id_number_hash"
    ):
        holders[row[0]].append((row[1], row[2]))
    return {
        e.pk: _facts(e, investments[e.pk], credit[e.uscc], holders[e.pk])
        for e in enterprises
    }


def _facts(e: Enterprise, investments, credit, holders) -> EnterpriseFacts:
    return EnterpriseFacts(
        credit_code=e.uscc,
        region_code=e.region_id,
        industry_code=e.industry_code,
        size_class=e.size_class,
        employees=e.employees,
        revenue=e.revenue,
        total_assets=e.total_assets,
        established_on=e.established_on,
        size_basis=e.size_basis or {},
        investments=tuple(sorted(investments, key=lambda i: i.year)),
        credit_entries=tuple(sorted(credit, key=lambda c: c.listed_on)),
        party=PartyFacts(
            legal_representative=e.legal_representative,
            shareholder_names=tuple(name for name, _key in holders),
            shareholder_keys=tuple(key for _name, key in holders if key),
            phone=normalize_phone(e.contact_phone),
            address=e.registered_address,
        ),
    )


def enterprise_facts(enterprise: Enterprise) -> EnterpriseFacts:
    return enterprise_facts_bulk([enterprise])[enterprise.pk]


def provider_party(provider: Provider) -> PartyFacts:
    """Who stands behind a provider (the register keeps no shareholders of
    providers; its credit code is matched against the applicant's)."""
    return PartyFacts(
        legal_representative=provider.legal_representative,
        phone=normalize_phone(provider.contact_phone),
        address=provider.registered_address,
    )


def provider_credit_key(provider: Provider) -> str:
    return hash_id_number(provider.uscc)


def credit_entries_for(code: str) -> tuple[CreditEntry, ...]:
    return tuple(
        CreditEntry(listed_on=a, removed_on=b)
        for a, b in DishonestEntity.objects.filter(uscc=code)
        .order_by("listed_on")
        .values_list("listed_on", "removed_on")
    )


def batched(items: Iterable, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["batched", "credit_entries_for", "enterprise_facts", "enterprise_facts_bulk"]
