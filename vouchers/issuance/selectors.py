"""Reads on vouchers: what an enterprise was issued in a year, what a final
approval could issue now, and the vouchers a user may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from config.money import ZERO, quantize, sum_of
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_visible

from ..ledger.selectors import budget_remaining, funding_order, with_balances
from ..models import Application, LedgerAccount, Notice, Program, Voucher
from ..programs.selectors import program_version_at
from . import codes


def cap_used_in_year(
    *, enterprise: Enterprise | int, program: Program | int, year: int
) -> Decimal:
    """What the enterprise has used of its yearly cap in the program in the
    calendar year: the face value of its vouchers and what is reserved for
    its applications in public notice, each counted in the year of its
    final approval. A voucher issued in January from a notice that began
    in December stays in December's year, where its reservation counted."""
    vouchers = Voucher.objects.filter(enterprise=enterprise, program=program).filter(
        Q(notice__isnull=True, issued_at__year=year) | Q(notice__created_at__year=year)
    )
    reserved = Notice.objects.filter(
        application__enterprise=enterprise,
        program=program,
        status=Notice.Status.IN_NOTICE,
        created_at__year=year,
    )
    return sum_of(vouchers, "face_value") + sum_of(reserved, "amount")


def quota_region(quotas: Iterable[str], region_code: str) -> str | None:
    """The quota division (a city or a county code) an enterprise registered
    in ``region_code`` draws on: the most specific one holding it (GB/T
    2260: a city's code ends in 00 and holds the counties sharing its first
    four digits), or None."""
    found = None
    for code in quotas:
        prefix = code[:4] if code.endswith("00") else code
        if region_code.startswith(prefix) and (found is None or len(prefix) > 4):
            found = code
    return found


def draw_pools(
    application: Application, accounts: list[LedgerAccount]
) -> list[LedgerAccount]:
    """Of the program's ``accounts`` (budget and quota, locked or not), those
    a final approval of the application draws on, in order: its
    enterprise's quota (by funding source), then the shared budget, unless
    the program keeps a region with a quota to it (``quota_shared_pool``)."""
    params = program_version_at(application.program).parsed()
    region = quota_region(params.quotas, application.enterprise.region_id)
    K = LedgerAccount.Kind
    quota = [a for a in accounts if a.kind == K.QUOTA and a.region_id == region]
    shared = [a for a in accounts if a.kind == K.BUDGET]
    if region is None:
        return funding_order(shared)
    return funding_order(quota) + (
        funding_order(shared) if params.quota_shared_pool else []
    )


def _pool_accounts(program_id: int) -> list[LedgerAccount]:
    """The program's budget and quota accounts (unlocked)."""
    return list(
        LedgerAccount.objects.filter(
            program_id=program_id,
            kind__in=(LedgerAccount.Kind.BUDGET, LedgerAccount.Kind.QUOTA),
            voucher=None,
        )
    )


def budget_available(application: Application) -> Decimal:
    """What the application's final approval could draw on now (unlocked:
    shown before deciding; checked again under locks)."""
    accounts = _pool_accounts(application.program_id)
    if not accounts:
        return budget_remaining(application.program)
    return quantize(sum((a.balance for a in draw_pools(application, accounts)), ZERO))


@dataclass(frozen=True)
class Availability:
    """What a final approval could issue: the requested subsidy, limited by
    what is left of the enterprise's yearly cap and of the budget."""

    requested: Decimal
    cap_remaining: Decimal
    budget_remaining: Decimal

    @property
    def amount(self) -> Decimal:
        return quantize(
            max(min(self.requested, self.cap_remaining, self.budget_remaining), ZERO)
        )

    @property
    def reduced(self) -> bool:
        return self.amount < self.requested


def availability_with(
    application: Application, *, budget_remaining: Decimal, year: int
) -> Availability:
    params = application.submitted_version.parsed()
    issued = cap_used_in_year(
        enterprise=application.enterprise_id,
        program=application.program_id,
        year=year,
    )
    return Availability(
        requested=application.requested_subsidy or ZERO,
        cap_remaining=max(params.cap_per_enterprise_year - issued, ZERO),
        budget_remaining=budget_remaining,
    )


def availability(application: Application) -> Availability:
    """What a final approval could issue now (shown to the approver before
    deciding; checked again under locks when approving)."""
    return availability_with(
        application,
        budget_remaining=budget_available(application),
        year=timezone.localdate().year,
    )


def availabilities_in_turn(
    applications: Iterable[Application],
) -> dict[int, Availability]:
    """What each final approval would issue when they are approved one
    after another in this order (a batch): each sees the budget and the
    enterprise's yearly cap the earlier ones left. Only those issued in
    full count against the later ones, as a batch issues only those. The
    pools are followed account by account (unlocked; the approvals check
    again under locks), so a shared budget that two quota regions fall
    back on is used up once, not once per region."""
    year = timezone.localdate().year
    accounts: dict[int, list[LedgerAccount]] = {}
    unpooled: dict[int, Decimal] = {}  # programs without pool accounts
    cap_used: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    found = {}
    for a in applications:
        if a.program_id not in accounts:
            accounts[a.program_id] = _pool_accounts(a.program_id)
            if not accounts[a.program_id]:
                unpooled[a.program_id] = budget_remaining(a.program)
        if a.program_id in unpooled:
            pools, free = [], unpooled[a.program_id]
        else:
            pools = draw_pools(a, accounts[a.program_id])
            free = quantize(sum((p.balance for p in pools), ZERO))
        alone = availability_with(a, budget_remaining=free, year=year)
        key = (a.enterprise_id, a.program_id)
        turn = replace(
            alone, cap_remaining=max(alone.cap_remaining - cap_used[key], ZERO)
        )
        found[a.pk] = turn
        if not turn.reduced and turn.amount > 0:
            cap_used[key] += turn.amount
            if a.program_id in unpooled:
                unpooled[a.program_id] -= turn.amount
            left = turn.amount
            for p in pools:  # in the order the approval draws (ledger._draw)
                take = min(p.balance, left)
                p.balance -= take
                left -= take
    return found


def voucher_for_reader_or_404(user: User, code: str) -> Voucher:
    """The voucher with this canonical code (XXXX-XXXX-XXXX-XXXX, check
    character right), if the user may read its enterprise; else 404, as for
    a code that does not exist."""
    if code != codes.format_code(code) or not codes.is_valid(code):
        raise Http404
    voucher = (
        Voucher.objects.select_related(
            "enterprise__region", "program__region", "application"
        )
        .filter(code=code)
        .first()
    )
    if voucher is None:
        raise Http404
    if not enterprise_visible(user=user).filter(pk=voucher.enterprise_id).exists():
        raise Http404
    return voucher


def voucher_list_for_member(*, user: User) -> QuerySet[Voucher]:
    """The vouchers of every enterprise the user is an applicant of, newest
    first, each with its ``balance``."""
    return with_balances(
        Voucher.objects.filter(
            enterprise_id__in=Membership.objects.filter(
                user=user, role=Role.APPLICANT
            ).values("enterprise_id")
        ).select_related("program", "enterprise")
    ).order_by("-issued_at", "-id")
