"""The anomaly rules: what deserves an auditor's (and a reviewer's) second
look, each rule in one place.

A rule finds anomalies with a few bulk queries and returns ``Finding``s:
the facts that raised it (JSON, as found then), what it is about, and a
``key`` that names the anomaly within its rule, so that a second scan finds
the same key and raises nothing new. ``explain`` puts stored facts in
words in the reader's language, so a flag reads the same on the auditor's
page, on the review page and in a report.

Rules marked ``review`` also run for one application on the review page
(``application_findings``); the scan (``audits.flags.services``) runs them
all over everything.

To add a rule: subclass ``Rule`` here, give it a new code (codes never
change meaning: a changed rule gets a new code, so stored flags stay
explainable) and add it to ``RULES``; tests/audits/test_flag_rules.py
checks every rule raises on a case and stays quiet on a clean one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import (
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from config.dates import add_months
from config.formats import moment as format_moment
from config.money import yuan
from enterprises.models import Enterprise, Provider, unit_label

from .. import actions
from ..models import AuditEvent

if TYPE_CHECKING:
    from vouchers.models import Application

APPLICATION = "vouchers.application"
CHARGE = "vouchers.redemption"
VOUCHER = "vouchers.voucher"
ENTERPRISE = "enterprises.enterprise"
PROVIDER = "enterprises.provider"

# -- thresholds (each rule stores the ones it used in its facts) --------------

# An enterprise registered less than this many months before signing.
RECENT_REGISTRATION_MONTHS = 6
# "Just under" a spend tier: within this share below its upper bound ...
TIER_MARGIN = Decimal("0.10")
# ... for at least this many contracts of one controller within this period.
TIER_MIN_CONTRACTS = 2
TIER_WINDOW_DAYS = 90
# A unit price "well above" the list price: by more than this share.
PRICE_MARGIN = Decimal("0.20")
# A voucher "used up" within this many hours of issue: this share of it.
USED_UP_HOURS = 24
USED_UP_SHARE = Decimal("0.90")
# A burst: this many charges of one provider on one voucher within this time.
BURST_CHARGES = 5
BURST_MINUTES = 60
# Unusual hours: charges made from midnight to this hour (local time).
NIGHT_UNTIL_HOUR = 6
# A jump between declarations: at least this factor up or down, and at
# least this absolute change.
JUMP_FACTOR = Decimal("2")
JUMP_MIN_EMPLOYEES = 10
JUMP_MIN_REVENUE = Decimal("1000000")


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str
    facts: dict[str, Any]
    subject_type: str
    subject_id: int
    enterprise_id: int | None = None
    provider_id: int | None = None
    program_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """What to look at: everything, or the applications named (the review
    page). Rules not about applications find nothing in a narrowed scope."""

    application_ids: frozenset[int] | None = None

    @property
    def narrowed(self) -> bool:
        return self.application_ids is not None

    def touches(self, application_ids: Iterable[int]) -> bool:
        """Whether a group of applications is in scope (any of them named)."""
        if self.application_ids is None:
            return True
        return not self.application_ids.isdisjoint(application_ids)


EVERYTHING = Scope()


class Rule:
    code: ClassVar[str]
    title: ClassVar[Promise]
    # Also shown on the review page for the application under review.
    review: ClassVar[bool] = False

    def find(self, scope: Scope) -> Iterable[Finding]:
        raise NotImplementedError

    def explain(self, facts: dict[str, Any]) -> str:
        raise NotImplementedError

    def finding(self, key: str, facts: dict[str, Any], **subject: Any) -> Finding:
        if len(key) > 200:
            key = key[:150] + ":" + hashlib.sha256(key.encode()).hexdigest()[:40]
        return Finding(rule=self.code, key=key, facts=facts, **subject)


# -- helpers -------------------------------------------------------------------


def _join(items: Iterable[str]) -> str:
    # Translators: the separator of a list inside a sentence ("、" in Chinese).
    return pgettext("list separator", ", ").join(items)


def _norm(value: str) -> str:
    return "".join(value.split()).upper()


def _members_key(base: str, ids: Sequence[object]) -> str:
    return f"{base}:" + "-".join(str(i) for i in ids)


def _money(value: str | Decimal) -> str:
    try:
        return yuan(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _when(value: str) -> str:
    """A stored ISO time in local time, to the minute."""
    moment = parse_datetime(value) if value else None
    if moment is None:
        return value
    return format_moment(moment)


def _status_label(model_status: type, value: str) -> str:
    try:
        return str(model_status(value).label)
    except ValueError:
        return value


def _applications() -> QuerySet[Application]:
    from vouchers.models import Application

    return Application.objects.exclude(status=Application.Status.DRAFT)


# -- rules about applications ---------------------------------------------------


class SameContract(Rule):
    """One contract of a provider claimed in more than one application, in
    any program, whatever became of them."""

    code = "same_contract"
    title = gettext_lazy("Same contract in several applications")
    review = True

    def find(self, scope: Scope) -> Iterable[Finding]:
        qs = _applications().filter(provider__isnull=False).exclude(contract_number="")
        if scope.narrowed:
            providers = (
                qs.filter(pk__in=scope.application_ids)
                .values_list("provider_id", flat=True)
                .distinct()
            )
            qs = qs.filter(provider_id__in=list(providers))
        groups: dict[tuple[int, str], list[tuple]] = defaultdict(list)
        for row in qs.values_list(
            "pk",
            "provider_id",
            "contract_number",
            "status",
            "number",
            "program_id",
            "program__code",
            "enterprise_id",
            "enterprise__name",
            "provider__name",
        ).order_by("pk"):
            groups[(row[1], _norm(row[2]))].append(row)
        for (provider_id, contract), rows in groups.items():
            if len(rows) < 2:
                continue
            if not scope.touches(r[0] for r in rows):
                continue
            last = rows[-1]
            yield self.finding(
                _members_key(f"{provider_id}:{contract}", [r[0] for r in rows]),
                {
                    "provider": last[9],
                    "contract_number": last[2],
                    "applications": [
                        {
                            "id": r[0],
                            "number": r[4] or "",
                            "status": r[3],
                            "program": r[6],
                            "enterprise": r[8],
                        }
                        for r in rows
                    ],
                },
                subject_type=APPLICATION,
                subject_id=last[0],
                enterprise_id=last[7],
                provider_id=provider_id,
                program_id=last[5],
            )

    def explain(self, facts: dict[str, Any]) -> str:
        from vouchers.models import Application

        apps = facts["applications"]
        items = [
            _("%(number)s of %(enterprise)s (%(program)s, %(status)s)")
            % {
                "number": a["number"] or f"#{a['id']}",
                "enterprise": a["enterprise"],
                "program": a["program"],
                "status": _status_label(Application.Status, a["status"]),
            }
            for a in apps
        ]
        return _(
            "Contract %(contract)s of %(provider)s is claimed in %(n)d "
            "applications: %(list)s."
        ) % {
            "contract": facts["contract_number"],
            "provider": facts["provider"],
            "n": len(apps),
            "list": _join(items),
        }


class RecentRegistration(Rule):
    """A contract signed before, or shortly after, the enterprise existed."""

    code = "recent_registration"
    title = gettext_lazy("Contract signed soon after registration")
    review = True

    def find(self, scope: Scope) -> Iterable[Finding]:
        qs = _applications().filter(
            contract_signed_on__isnull=False,
            enterprise__established_on__isnull=False,
            # a wide first cut in SQL; the months are counted below
            enterprise__established_on__gt=ExpressionWrapper(
                F("contract_signed_on")
                - timedelta(days=31 * RECENT_REGISTRATION_MONTHS + 1),
                output_field=DateField(),
            ),
        )
        if scope.narrowed:
            qs = qs.filter(pk__in=scope.application_ids)
        for (
            pk,
            signed,
            established,
            number,
            enterprise_id,
            name,
            program_id,
        ) in qs.values_list(
            "pk",
            "contract_signed_on",
            "enterprise__established_on",
            "number",
            "enterprise_id",
            "enterprise__name",
            "program_id",
        ).order_by("pk"):
            if signed is None or established is None:
                continue  # filtered out above; for the type checker
            if add_months(established, RECENT_REGISTRATION_MONTHS) <= signed:
                continue
            yield self.finding(
                str(pk),
                {
                    "application": number or "",
                    "enterprise": name,
                    "established_on": established.isoformat(),
                    "signed_on": signed.isoformat(),
                    "months": RECENT_REGISTRATION_MONTHS,
                },
                subject_type=APPLICATION,
                subject_id=pk,
                enterprise_id=enterprise_id,
                program_id=program_id,
            )

    def explain(self, facts: dict[str, Any]) -> str:
        values = {
            "enterprise": facts["enterprise"],
            "established": facts["established_on"],
            "signed": facts["signed_on"],
            "months": facts["months"],
        }
        if facts["established_on"] > facts["signed_on"]:
            return (
                _(
                    "%(enterprise)s was established on %(established)s, after "
                    "the contract was signed (%(signed)s)."
                )
                % values
            )
        return (
            _(
                "%(enterprise)s was established on %(established)s, less than "
                "%(months)d months before the contract was signed (%(signed)s)."
            )
            % values
        )


class JustUnderTier(Rule):
    """Several contracts of one controller (an enterprise, or enterprises
    with the same legal representative), each just under the upper bound of
    a spend tier, within a short period: a contract split to reach a higher
    rate or to get round the cap per enterprise."""

    code = "just_under_tier"
    title = gettext_lazy("Contracts just under a spend tier")
    review = True

    def find(self, scope: Scope) -> Iterable[Finding]:
        from vouchers.programs.params import ProgramParams

        qs = _applications().filter(
            contract_signed_on__isnull=False, year_contract_total__isnull=False
        )
        if scope.narrowed:
            people = set(
                qs.filter(pk__in=scope.application_ids).values_list(
                    "enterprise__legal_representative", "enterprise_id"
                )
            )
            reps = {rep for rep, _e in people if rep.strip()}
            qs = qs.filter(
                Q(enterprise__legal_representative__in=reps)
                | Q(enterprise_id__in={e for _r, e in people})
            )
        tiers: dict[int, list[Decimal]] = {}
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in qs.values(
            "pk",
            "number",
            "program_id",
            "program__code",
            "program_version_id",
            "program_version__params",
            "enterprise_id",
            "enterprise__name",
            "enterprise__legal_representative",
            "contract_signed_on",
            "year_contract_total",
        ).order_by("contract_signed_on", "pk"):
            version = row["program_version_id"]
            if version is None:
                continue
            if version not in tiers:
                try:
                    params = ProgramParams.from_json(row["program_version__params"])
                except ValueError:
                    tiers[version] = []
                else:
                    tiers[version] = [t.max_year_total for t in params.spend_tiers]
            total = row["year_contract_total"]
            if total is None:
                continue
            under = [
                bound
                for bound in tiers[version]
                if bound * (1 - TIER_MARGIN) <= total <= bound
            ]
            if not under:
                continue
            rep = _norm(row["enterprise__legal_representative"])
            controller = f"rep:{rep}" if rep else f"ent:{row['enterprise_id']}"
            groups[controller].append({**row, "bound": min(under)})
        window = timedelta(days=TIER_WINDOW_DAYS)
        for controller, rows in groups.items():
            for cluster in _clusters(rows, window):
                ids = [r["pk"] for r in cluster]
                if not scope.touches(ids):
                    continue
                last = cluster[-1]
                yield self.finding(
                    _members_key(controller, ids),
                    {
                        "legal_representative": last[
                            "enterprise__legal_representative"
                        ],
                        "margin": str(TIER_MARGIN),
                        "days": TIER_WINDOW_DAYS,
                        "applications": [
                            {
                                "id": r["pk"],
                                "number": r["number"] or "",
                                "enterprise": r["enterprise__name"],
                                "program": r["program__code"],
                                "signed_on": r["contract_signed_on"].isoformat(),
                                "year_total": str(r["year_contract_total"]),
                                "tier": str(r["bound"]),
                            }
                            for r in cluster
                        ],
                    },
                    subject_type=APPLICATION,
                    subject_id=last["pk"],
                    enterprise_id=last["enterprise_id"],
                    program_id=last["program_id"],
                )

    def explain(self, facts: dict[str, Any]) -> str:
        apps = facts["applications"]
        items = [
            _(
                "%(number)s of %(enterprise)s, signed %(signed)s: %(total)s yuan "
                "against a tier up to %(tier)s yuan"
            )
            % {
                "number": a["number"] or f"#{a['id']}",
                "enterprise": a["enterprise"],
                "signed": a["signed_on"],
                "total": _money(a["year_total"]),
                "tier": _money(a["tier"]),
            }
            for a in apps
        ]
        return _(
            "%(n)d contracts within %(days)d days, each less than %(margin)s "
            "under a spend tier (legal representative %(who)s): %(list)s."
        ) % {
            "n": len(apps),
            "days": facts["days"],
            "margin": f"{(Decimal(facts['margin']) * 100).normalize():f}%",
            "who": facts["legal_representative"] or "—",
            "list": _join(items),
        }


def _clusters(rows: list[dict[str, Any]], window: timedelta) -> list[list[dict]]:
    """Runs of rows (sorted by signing date) in which each contract is
    signed within ``window`` of the run's first; only runs of at least
    TIER_MIN_CONTRACTS."""
    runs: list[list[dict]] = []
    current: list[dict] = []
    for row in rows:
        if (
            current
            and row["contract_signed_on"] - current[0]["contract_signed_on"] > window
        ):
            runs.append(current)
            current = []
        current.append(row)
    if current:
        runs.append(current)
    return [run for run in runs if len(run) >= TIER_MIN_CONTRACTS]


# -- rules about the parties --------------------------------------------------------


class RelatedParty(Rule):
    """An enterprise and a provider it contracts with, or that charges its
    voucher, sharing a legal representative, shareholder, phone or address
    (the same comparison as the related-party eligibility rule)."""

    code = "related_party"
    title = gettext_lazy("Applicant and provider related")

    def find(self, scope: Scope) -> Iterable[Finding]:
        from vouchers.eligibility.gather import (
            enterprise_facts_bulk,
            provider_credit_key,
            provider_party,
        )
        from vouchers.eligibility.rules import shared_parties
        from vouchers.models import Redemption

        if scope.narrowed:
            return
        pairs: dict[tuple[int, int], int | None] = {}
        for e, p, program in (
            _applications()
            .filter(provider__isnull=False)
            .values_list("enterprise_id", "provider_id", "program_id")
            .order_by("pk")
        ):
            pairs[(e, p)] = program
        for e, p, program in (
            Redemption.objects.values_list("enterprise_id", "provider_id", "program_id")
            .distinct()
            .order_by()
        ):
            pairs.setdefault((e, p), program)
        if not pairs:
            return
        enterprises = Enterprise.objects.in_bulk({e for e, _p in pairs})
        providers = Provider.objects.in_bulk({p for _e, p in pairs})
        facts = enterprise_facts_bulk(list(enterprises.values()))
        party = {pk: provider_party(p) for pk, p in providers.items()}
        keys = {pk: provider_credit_key(p) for pk, p in providers.items()}
        for (e, p), program_id in sorted(pairs.items()):
            shared = shared_parties(facts[e].party, party[p], keys[p])
            if not shared:
                continue
            yield self.finding(
                f"{e}:{p}",
                {
                    "enterprise": enterprises[e].name,
                    "provider": providers[p].name,
                    "shared": shared,
                },
                subject_type=ENTERPRISE,
                subject_id=e,
                enterprise_id=e,
                provider_id=p,
                program_id=program_id,
            )

    def explain(self, facts: dict[str, Any]) -> str:
        labels = {
            "legal_representative": _("legal representative"),
            "shareholder": _("a shareholder"),
            "provider_shareholder": _("the provider is a shareholder"),
            "phone": _("phone"),
            "address": _("address"),
        }
        return _("%(enterprise)s and the provider %(provider)s share: %(what)s.") % {
            "enterprise": facts["enterprise"],
            "provider": facts["provider"],
            "what": _join(str(labels.get(code, code)) for code in facts["shared"]),
        }


class DeclarationJump(Rule):
    """Declared employees or revenue that change by a large factor from one
    declaration to the next (read from the audit trail of profile changes)."""

    code = "declaration_jump"
    title = gettext_lazy("Declared size jumps")

    def find(self, scope: Scope) -> Iterable[Finding]:
        if scope.narrowed:
            return
        names = dict(Enterprise.objects.values_list("pk", "name"))
        for pk, object_id, occurred_at, before, after in (
            AuditEvent.objects.filter(
                action=actions.ENTERPRISE_UPDATED, object_type=ENTERPRISE
            )
            .values_list("pk", "object_id", "occurred_at", "before", "after")
            .order_by("pk")
        ):
            jumps = []
            for name, floor in (
                ("employees", Decimal(JUMP_MIN_EMPLOYEES)),
                ("revenue", JUMP_MIN_REVENUE),
            ):
                old, new = (
                    _number((before or {}).get(name)),
                    _number((after or {}).get(name)),
                )
                if not old or not new or abs(new - old) < floor:
                    continue
                if new >= old * JUMP_FACTOR or new * JUMP_FACTOR <= old:
                    jumps.append({"field": name, "before": str(old), "after": str(new)})
            if not jumps or not object_id.isdigit():
                continue
            enterprise_id = int(object_id)
            yield self.finding(
                str(pk),
                {
                    "enterprise": names.get(enterprise_id, object_id),
                    "event": pk,
                    "at": occurred_at.isoformat(),
                    "jumps": jumps,
                },
                subject_type=ENTERPRISE,
                subject_id=enterprise_id,
                enterprise_id=enterprise_id if enterprise_id in names else None,
            )

    def explain(self, facts: dict[str, Any]) -> str:
        items = []
        for jump in facts["jumps"]:
            if jump["field"] == "revenue":
                items.append(
                    _("revenue from %(before)s to %(after)s yuan")
                    % {
                        "before": _money(jump["before"]),
                        "after": _money(jump["after"]),
                    }
                )
            else:
                items.append(
                    _("employees from %(before)s to %(after)s")
                    % {
                        "before": f"{int(Decimal(jump['before'])):,}",
                        "after": f"{int(Decimal(jump['after'])):,}",
                    }
                )
        return _("%(enterprise)s changed its declaration on %(at)s: %(list)s.") % {
            "enterprise": facts["enterprise"],
            "at": _when(facts["at"]),
            "list": _join(items),
        }


def _number(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# -- rules about charges and vouchers ---------------------------------------------


class SameInvoice(Rule):
    """One invoice number behind more than one charge or reimbursement (the
    database already refuses the same issuer and number twice; this finds
    the same number under different issuers)."""

    code = "same_invoice"
    title = gettext_lazy("Same invoice number more than once")

    def find(self, scope: Scope) -> Iterable[Finding]:
        from vouchers.models import Redemption, Reimbursement

        if scope.narrowed:
            return
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in (
            Redemption.objects.exclude(status=Redemption.Status.VOIDED)
            .values(
                "pk",
                "invoice_issuer",
                "invoice_number",
                "amount",
                "program_id",
                "program__code",
                "enterprise_id",
                "enterprise__name",
                "provider_id",
            )
            .order_by("pk")
        ):
            groups[_norm(row["invoice_number"])].append({"kind": "charge", **row})
        for claim in (
            Reimbursement.objects.exclude(status=Reimbursement.Status.REJECTED)
            .values(
                "pk",
                "invoice_issuer",
                "invoice_number",
                "amount",
                "program_id",
                "program__code",
                "enterprise_id",
                "enterprise__name",
            )
            .order_by("pk")
        ):
            groups[_norm(claim["invoice_number"])].append(
                {"kind": "reimbursement", "provider_id": None, **claim}
            )
        for number, rows in sorted(groups.items()):
            if len(rows) < 2:
                continue
            last = max(rows, key=lambda r: (r["kind"] == "charge", r["pk"]))
            yield self.finding(
                _members_key(number, [f"{r['kind'][0]}{r['pk']}" for r in rows]),
                {
                    "invoice_number": last["invoice_number"],
                    "uses": [
                        {
                            "kind": r["kind"],
                            "id": r["pk"],
                            "issuer": r["invoice_issuer"],
                            "amount": str(r["amount"]),
                            "program": r["program__code"],
                            "enterprise": r["enterprise__name"],
                        }
                        for r in rows
                    ],
                },
                subject_type=CHARGE
                if last["kind"] == "charge"
                else ("vouchers.reimbursement"),
                subject_id=last["pk"],
                enterprise_id=last["enterprise_id"],
                provider_id=last["provider_id"],
                program_id=last["program_id"],
            )

    def explain(self, facts: dict[str, Any]) -> str:
        kinds = {"charge": _("charge"), "reimbursement": _("reimbursement claim")}
        items = [
            _("%(kind)s #%(id)d by %(enterprise)s, issuer %(issuer)s, %(amount)s yuan")
            % {
                "kind": kinds.get(u["kind"], u["kind"]),
                "id": u["id"],
                "enterprise": u["enterprise"],
                "issuer": u["issuer"],
                "amount": _money(u["amount"]),
            }
            for u in facts["uses"]
        ]
        return _("Invoice number %(number)s backs %(n)d claims: %(list)s.") % {
            "number": facts["invoice_number"],
            "n": len(items),
            "list": _join(items),
        }


class PriceAboveList(Rule):
    """A charge whose unit price is well above the offering's list price at
    the time of the charge."""

    code = "price_above_list"
    title = gettext_lazy("Unit price well above the list price")

    def find(self, scope: Scope) -> Iterable[Finding]:
        from vouchers.models import Redemption

        if scope.narrowed:
            return
        for row in (
            Redemption.objects.exclude(status=Redemption.Status.VOIDED)
            .filter(unit_price__gt=F("list_price") * (1 + PRICE_MARGIN))
            .values(
                "pk",
                "unit_price",
                "list_price",
                "unit",
                "unit_other",
                "amount",
                "invoice_number",
                "offering__name",
                "provider_id",
                "provider__name",
                "enterprise_id",
                "program_id",
                "voucher__code",
            )
            .order_by("pk")
        ):
            yield self.finding(
                str(row["pk"]),
                {
                    "charge": row["pk"],
                    "voucher": row["voucher__code"],
                    "provider": row["provider__name"],
                    "offering": row["offering__name"],
                    "unit": row["unit"],
                    "unit_other": row["unit_other"],
                    "unit_price": str(row["unit_price"]),
                    "list_price": str(row["list_price"]),
                    "amount": str(row["amount"]),
                    "margin": str(PRICE_MARGIN),
                },
                subject_type=CHARGE,
                subject_id=row["pk"],
                enterprise_id=row["enterprise_id"],
                provider_id=row["provider_id"],
                program_id=row["program_id"],
            )

    def explain(self, facts: dict[str, Any]) -> str:
        price, listed = Decimal(facts["unit_price"]), Decimal(facts["list_price"])
        above = ((price / listed - 1) * 100).quantize(Decimal("1"))
        return _(
            "Charge #%(id)d of %(provider)s for %(offering)s: %(price)s yuan per "
            "%(unit)s, %(above)s%% above the list price of %(list)s yuan "
            "(flagged above %(margin)s%%)."
        ) % {
            "id": facts["charge"],
            "provider": facts["provider"],
            "offering": facts["offering"],
            "price": f"{price.normalize():f}",
            "unit": unit_label(facts["unit"], facts.get("unit_other", "")),
            "above": above,
            "list": f"{listed.normalize():f}",
            "margin": f"{(Decimal(facts['margin']) * 100).normalize():f}",
        }


class UsedUpFast(Rule):
    """A voucher charged for nearly all its face value within hours of
    being issued."""

    code = "used_up_fast"
    title = gettext_lazy("Voucher used up within hours of issue")

    def find(self, scope: Scope) -> Iterable[Finding]:
        from vouchers.models import Redemption

        if scope.narrowed:
            return
        for row in (
            Redemption.objects.exclude(status=Redemption.Status.VOIDED)
            .filter(
                created_at__lt=F("voucher__issued_at") + timedelta(hours=USED_UP_HOURS)
            )
            .values(
                "voucher_id",
                "voucher__code",
                "voucher__face_value",
                "voucher__issued_at",
                "enterprise_id",
                "enterprise__name",
                "program_id",
            )
            .annotate(
                total=Sum("amount"),
                n=Count("pk"),
                last=Max("created_at"),
                providers=Count("provider_id", distinct=True),
                provider=Min("provider_id"),
            )
            .filter(total__gte=F("voucher__face_value") * USED_UP_SHARE)
            .order_by("voucher_id")
        ):
            yield self.finding(
                str(row["voucher_id"]),
                {
                    "voucher": row["voucher__code"],
                    "enterprise": row["enterprise__name"],
                    "face_value": str(row["voucher__face_value"]),
                    "issued_at": row["voucher__issued_at"].isoformat(),
                    "charged": str(row["total"]),
                    "charges": row["n"],
                    "last_at": row["last"].isoformat(),
                    "hours": USED_UP_HOURS,
                },
                subject_type=VOUCHER,
                subject_id=row["voucher_id"],
                enterprise_id=row["enterprise_id"],
                provider_id=row["provider"] if row["providers"] == 1 else None,
                program_id=row["program_id"],
            )

    def explain(self, facts: dict[str, Any]) -> str:
        issued = parse_datetime(facts["issued_at"])
        last = parse_datetime(facts["last_at"])
        hours = max((last - issued).total_seconds(), 0) / 3600 if issued and last else 0
        return ngettext(
            "Voucher %(code)s of %(enterprise)s (%(face)s yuan, issued %(issued)s): "
            "%(charged)s yuan charged in %(n)d charge within %(hours)s hours.",
            "Voucher %(code)s of %(enterprise)s (%(face)s yuan, issued %(issued)s): "
            "%(charged)s yuan charged in %(n)d charges within %(hours)s hours.",
            facts["charges"],
        ) % {
            "code": facts["voucher"],
            "enterprise": facts["enterprise"],
            "face": _money(facts["face_value"]),
            "issued": _when(facts["issued_at"]),
            "charged": _money(facts["charged"]),
            "n": facts["charges"],
            "hours": f"{hours:.1f}",
        }


def _charge_rows() -> Iterable[tuple]:
    from vouchers.models import Redemption

    return (
        Redemption.objects.values_list(
            "voucher_id",
            "provider_id",
            "pk",
            "created_at",
            "amount",
            "voucher__code",
            "provider__name",
            "enterprise_id",
            "program_id",
        )
        .order_by("voucher_id", "provider_id", "created_at", "pk")
        .iterator(chunk_size=5000)
    )


class ChargeBurst(Rule):
    """Many charges of one provider on one voucher within a short time."""

    code = "charge_burst"
    title = gettext_lazy("Charges in a burst")

    def find(self, scope: Scope) -> Iterable[Finding]:
        if scope.narrowed:
            return
        span = timedelta(minutes=BURST_MINUTES)
        group: list[tuple] = []
        for row in _charge_rows():
            if group and group[-1][:2] != row[:2]:
                yield from self._bursts(group, span)
                group = []
            group.append(row)
        yield from self._bursts(group, span)

    def _bursts(self, rows: list[tuple], span: timedelta) -> Iterable[Finding]:
        n = BURST_CHARGES
        if len(rows) < n:
            return
        # Windows of n charges within the span, merged where they overlap.
        bursts: list[list[int]] = []
        for i in range(len(rows) - n + 1):
            if rows[i + n - 1][3] - rows[i][3] <= span:
                if bursts and i <= bursts[-1][1]:
                    bursts[-1][1] = i + n - 1
                else:
                    bursts.append([i, i + n - 1])
        for first, last in bursts:
            part = rows[first : last + 1]
            head = part[0]
            yield self.finding(
                f"{head[0]}:{head[1]}:{head[2]}",
                {
                    "voucher": head[5],
                    "provider": head[6],
                    "charges": len(part),
                    "first_at": head[3].isoformat(),
                    "last_at": part[-1][3].isoformat(),
                    "amount": str(sum((r[4] for r in part), Decimal(0))),
                    "minutes": BURST_MINUTES,
                    "min_charges": n,
                },
                subject_type=VOUCHER,
                subject_id=head[0],
                enterprise_id=head[7],
                provider_id=head[1],
                program_id=head[8],
            )

    def explain(self, facts: dict[str, Any]) -> str:
        return _(
            "%(n)d charges of %(provider)s on voucher %(code)s between %(first)s "
            "and %(last)s, %(amount)s yuan in all (flagged from %(min)d charges "
            "within %(minutes)d minutes)."
        ) % {
            "n": facts["charges"],
            "provider": facts["provider"],
            "code": facts["voucher"],
            "first": _when(facts["first_at"]),
            "last": _when(facts["last_at"]),
            "amount": _money(facts["amount"]),
            "min": facts["min_charges"],
            "minutes": facts["minutes"],
        }


class NightCharges(Rule):
    """Charges made at night (local time), one flag per provider and night."""

    code = "night_charges"
    title = gettext_lazy("Charges at unusual hours")

    def find(self, scope: Scope) -> Iterable[Finding]:
        if scope.narrowed:
            return
        nights: dict[tuple[int, date], list[tuple]] = defaultdict(list)
        for row in _charge_rows():
            local: datetime = timezone.localtime(row[3])
            if local.hour < NIGHT_UNTIL_HOUR:
                nights[(row[1], local.date())].append(row)
        for (provider_id, day), rows in sorted(nights.items()):
            rows.sort(key=lambda r: (r[3], r[2]))
            programs = {r[8] for r in rows}
            enterprises = {r[7] for r in rows}
            yield self.finding(
                f"{provider_id}:{day.isoformat()}",
                {
                    "provider": rows[0][6],
                    "night": day.isoformat(),
                    "charges": [
                        {
                            "id": r[2],
                            "voucher": r[5],
                            "at": r[3].isoformat(),
                            "amount": str(r[4]),
                        }
                        for r in rows
                    ],
                    "until_hour": NIGHT_UNTIL_HOUR,
                },
                subject_type=PROVIDER,
                subject_id=provider_id,
                enterprise_id=enterprises.pop() if len(enterprises) == 1 else None,
                provider_id=provider_id,
                program_id=programs.pop() if len(programs) == 1 else None,
            )

    def explain(self, facts: dict[str, Any]) -> str:
        charges = facts["charges"]
        items = [
            _("#%(id)d at %(at)s on %(code)s, %(amount)s yuan")
            % {
                "id": c["id"],
                "at": _when(c["at"])[-5:],
                "code": c["voucher"],
                "amount": _money(c["amount"]),
            }
            for c in charges[:10]
        ]
        if len(charges) > 10:
            items.append(_("%(n)d more") % {"n": len(charges) - 10})
        return ngettext(
            "%(provider)s made %(n)d charge on %(night)s between 00:00 and "
            "%(until)02d:00: %(list)s.",
            "%(provider)s made %(n)d charges on %(night)s between 00:00 and "
            "%(until)02d:00: %(list)s.",
            len(charges),
        ) % {
            "provider": facts["provider"],
            "n": len(charges),
            "night": facts["night"],
            "until": facts["until_hour"],
            "list": _join(items),
        }


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        SameContract(),
        RecentRegistration(),
        JustUnderTier(),
        RelatedParty(),
        DeclarationJump(),
        SameInvoice(),
        PriceAboveList(),
        UsedUpFast(),
        ChargeBurst(),
        NightCharges(),
    )
}


def rule_title(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.title) if rule else code


def explain(code: str, facts: dict[str, Any]) -> str:
    """A stored flag's facts in words; a rule no longer known, or facts it
    cannot read, still show (as the code and the raw facts)."""
    rule = RULES.get(code)
    if rule is not None:
        try:
            return rule.explain(facts)
        except (KeyError, TypeError, ValueError, InvalidOperation):
            pass
    return f"{code}: {facts}"


def application_findings(application_id: int) -> list[Finding]:
    """What the review rules find for one application (nothing stored)."""
    scope = Scope(application_ids=frozenset({application_id}))
    return [f for rule in RULES.values() if rule.review for f in rule.find(scope)]
