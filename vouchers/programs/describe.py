"""A version's parameters in words, section by section, and which rows two
versions differ in: what the program pages show, and what a reviewer of a
proposed change reads before approving it."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from config.formats import join_list
from config.money import percent, yuan
from enterprises.divisions import division_name

from ..eligibility.citations import cited_reason
from ..eligibility.explain import ordered_rules, rule_title
from . import selectors
from .labels import (
    CATEGORY_LABELS,
    DISBURSEMENT_LABELS,
    FACILITY_LABELS,
    FUNDING_LABELS,
    KIND_FUNDS,
    PHASE_LABELS,
    PRICE_ABOVE_LIST_LABELS,
    RELATED_PARTY_OUTCOME_LABELS,
    SIZE_LABELS,
    STAGE_LABELS,
)
from .params import FUNDING_SOURCES, ProgramParams


def _yuan(amount: Decimal) -> str:
    return _("%(amount)s yuan") % {"amount": yuan(amount)}


def _months(n: int) -> str:
    return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}


def _list(labels: dict, values) -> str:
    return join_list(labels.get(v, v) for v in values) or _("None")


def _rule_text(code: str, params: dict) -> str:
    if code == "enterprise_type":
        return _("Used: credit codes starting with %(prefixes)s") % {
            "prefixes": join_list(params.get("allowed_prefixes", []))
        }
    if code == "credit":
        n = params.get("lookback_years", 0)
        return ngettext(
            "Used: listings of the last %(n)d year count",
            "Used: listings of the last %(n)d years count",
            n,
        ) % {"n": n}
    if code == "benchmark_investment":
        return _(
            "Used: IT investment in %(first)s–%(last)s above %(it)s, "
            "of which AI above %(ai)s"
        ) % {
            "first": params.get("from_year"),
            "last": params.get("to_year"),
            "it": _yuan(Decimal(params.get("it_min", "0"))),
            "ai": _yuan(Decimal(params.get("ai_min", "0"))),
        }
    if code == "related_party":
        outcome = params.get("outcome", "")
        return _("Used: when related, %(outcome)s") % {
            "outcome": str(RELATED_PARTY_OUTCOME_LABELS.get(outcome, outcome)).lower()
        }
    if params:
        details = "; ".join(f"{k}: {v}" for k, v in params.items())
        return _("Used: %(details)s") % {"details": details}
    return _("Used")


def _cited(text: str, p: ProgramParams, code: str) -> str:
    """``text`` followed by the article the version cites for rule or
    calculation step ``code`` (as after every reason)."""
    return cited_reason(text, p.citation(code), get_language())


def describe_params(params: dict) -> list[dict]:
    """A version's parameters as sections of rows (key, label, text,
    changed): rates as percentages, money in yuan with thousands
    separators, rules with their titles. The keys let two versions be
    compared row by row (``mark_changes``)."""
    p = ProgramParams.from_json(params)
    tiers = [
        (
            f"tier.{i}",
            _("Spend tier %(n)d") % {"n": i},
            (
                _("yearly contract total up to %(limit)s: %(rate)s, SMEs only")
                if t.sme_only
                else _("yearly contract total up to %(limit)s: %(rate)s")
            )
            % {"limit": _yuan(t.max_year_total), "rate": percent(t.rate)},
        )
        for i, t in enumerate(p.spend_tiers, start=1)
    ] or [("tier", _("Spend tiers"), _("None"))]
    sections = [
        {
            "key": "window",
            "title": _("Application window"),
            "rows": [
                ("window", _("Application dates"), f"{p.opens_on} – {p.closes_on}"),
                (
                    "sizes",
                    _("Eligible size classes"),
                    _list(SIZE_LABELS, p.eligible_size_classes),
                ),
            ],
        },
        {
            "key": "rates",
            "title": _("Rates"),
            "rows": [
                # The article of the rate step covers every rate it selects.
                ("base_rate", _("Base rate"), _cited(percent(p.base_rate), p, "rate")),
                *(
                    (
                        f"facility.{f}",
                        FACILITY_LABELS[f],
                        percent(p.facility_rates[f])
                        if f in p.facility_rates
                        else _("the base rate applies"),
                    )
                    for f in FACILITY_LABELS
                ),
                *tiers,
            ],
        },
        {
            "key": "caps",
            "title": _("Caps and budget"),
            "rows": [
                (
                    "cap",
                    _("Cap per enterprise per year"),
                    _cited(_yuan(p.cap_per_enterprise_year), p, "cap_remaining"),
                ),
                *(
                    (f"budget.{s}", FUNDING_LABELS[s], _yuan(p.budget[s]))
                    for s in FUNDING_SOURCES
                    if s in p.budget
                ),
                ("budget", _("Total budget"), _yuan(p.total_budget)),
                *(
                    [("quotas", _("Regional quotas"), _quotas_text(p))]
                    if p.quotas
                    else []
                ),
            ],
        },
        {
            "key": "contracts",
            "title": _("Contracts"),
            "rows": [
                (
                    "signed",
                    _("Signed between"),
                    f"{p.contract_signed_from} – {p.contract_signed_to}",
                ),
                ("term", _("Longest term"), _months(p.max_term_months)),
                ("min_amount", _("Smallest amount"), _yuan(p.min_contract_amount)),
                (
                    "excluded",
                    _("Line items that do not count"),
                    _list(CATEGORY_LABELS, p.excluded_categories),
                ),
            ],
        },
        {
            "key": "vouchers",
            "title": _("Vouchers"),
            "rows": [
                ("validity", _("Valid for"), _months(p.voucher_validity_months)),
                (
                    "disbursement",
                    _("Paid"),
                    str(
                        DISBURSEMENT_LABELS.get(
                            p.disbursement_mode, p.disbursement_mode
                        )
                    ),
                ),
                *(
                    [
                        (
                            "confirmation_window",
                            _("A charge confirms itself after"),
                            ngettext(
                                "%(n)d day", "%(n)d days", p.confirmation_window_days
                            )
                            % {"n": p.confirmation_window_days},
                        ),
                        (
                            "price_above_list",
                            _("A unit price above the list price is"),
                            str(PRICE_ABOVE_LIST_LABELS[p.price_above_list]),
                        ),
                        (
                            "statement_months",
                            _("A provider's statement covers"),
                            ngettext("%(n)d month", "%(n)d months", p.statement_months)
                            % {"n": p.statement_months},
                        ),
                    ]
                    if p.disbursement_mode == "deduct_at_provider"
                    else []
                ),
            ],
        },
        {
            "key": "review",
            "title": _("Review"),
            "rows": [
                (
                    "stages",
                    _("Stages"),
                    " → ".join(str(STAGE_LABELS.get(s, s)) for s in p.review_stages),
                ),
                (
                    "public_notice",
                    _("Public notice before issuance"),
                    ngettext(
                        "%(n)d working day", "%(n)d working days", p.public_notice_days
                    )
                    % {"n": p.public_notice_days}
                    if p.public_notice_days
                    else _("None: the voucher is issued at the final approval"),
                ),
            ],
        },
        {
            "key": "public",
            "title": _("Published information"),
            "rows": _public_rows(p),
        },
        {
            "key": "rules",
            "title": _("Rules"),
            "rows": [
                (
                    f"rule.{rule.code}",
                    rule_title(rule.code),
                    _cited(_rule_text(rule.code, p.rules[rule.code]), p, rule.code)
                    if rule.code in p.rules
                    else _("Not used"),
                )
                for rule in ordered_rules()
            ],
        },
    ]
    for section in sections:
        section["rows"] = [
            {"key": key, "label": label, "text": text, "changed": False}
            for key, label, text in section["rows"]
        ]
    return sections


def _public_rows(p: ProgramParams) -> list[tuple[str, str, str]]:
    """What the public page publishes, one row per document and article so
    that a changed article shows as that article's row."""
    rows = [
        ("summary", _("What it funds"), str(p.summary) if p.summary else _("None")),
    ]
    for document in p.policy_documents:
        rows.append(
            (f"policy.{document.title}", _("Policy document"), policy_line(document))
        )
        rows += [
            (
                f"policy.{document.title}.{a.number}",
                f"{document.title} {a.number}",
                a.text,
            )
            for a in document.articles
        ]
    if not p.policy_documents:
        rows.append(("policy", _("Policy document"), _("None")))
    rows.append(
        (
            "materials",
            _("Materials to hand in"),
            "；".join(str(m) for m in p.materials) or _("None"),
        )
    )
    rows.append(
        ("contact", _("Contact"), contact_line(p.contact) if p.contact else _("None"))
    )
    return rows


def policy_line(document) -> str:
    """《title》（issuer，number，date）: a policy document in one line."""
    details = [document.issuer, document.number, str(document.issued_on or "")]
    return f"《{document.title}》（{'，'.join(d for d in details if d)}）"


def contact_line(contact) -> str:
    parts = [str(contact.office), contact.phone, contact.email]
    return " · ".join(part for part in parts if part)


def funds_text(program, p: ProgramParams) -> str:
    """What the program pays for: the version's summary, or a sentence from
    the program's kind and the line items left out."""
    if p.summary:
        return str(p.summary)
    text = str(KIND_FUNDS.get(program.kind, KIND_FUNDS["other"]))
    if p.excluded_categories:
        text += " " + _("%(items)s in a contract do not count.") % {
            "items": _list(CATEGORY_LABELS, p.excluded_categories)
        }
    return text


def headline_rate(p: ProgramParams) -> str:
    """The program's rate in a few words: "30%", or "20%–50%" when the
    facility type or a spend tier changes it."""
    rates = {p.base_rate, *p.facility_rates.values(), *(t.rate for t in p.spend_tiers)}
    low, high = min(rates), max(rates)
    if low == high:
        return percent(high)
    return _("%(low)s–%(high)s") % {"low": percent(low), "high": percent(high)}


def rate_lines(p: ProgramParams) -> list[str]:
    """The rates in sentences, for an applicant: which rate applies when."""
    lines = [
        _("%(rate)s of the eligible contract amount.") % {"rate": percent(p.base_rate)}
        if not p.facility_rates
        else _(
            "%(rate)s of the eligible contract amount when the facility type is not known."
        )
        % {"rate": percent(p.base_rate)}
    ]
    lines += [
        _("%(rate)s with a %(facility)s.")
        % {"rate": percent(p.facility_rates[f]), "facility": str(label).lower()}
        for f, label in FACILITY_LABELS.items()
        if f in p.facility_rates
    ]
    lines += [
        (
            _(
                "%(rate)s for an SME whose contracts of the year total at most %(limit)s."
            )
            if t.sme_only
            else _(
                "%(rate)s when the enterprise's contracts of the year total at most %(limit)s."
            )
        )
        % {"rate": percent(t.rate), "limit": _yuan(t.max_year_total)}
        for t in p.spend_tiers
    ]
    lines.append(
        _(
            "At most %(cap)s per enterprise per calendar year; the program's budget is %(budget)s."
        )
        % {"cap": _yuan(p.cap_per_enterprise_year), "budget": _yuan(p.total_budget)}
    )
    return lines


def _quotas_text(p: ProgramParams) -> str:
    parts = join_list(
        f"{division_name(code)} {_yuan(amount)}"
        for code, amount in sorted(p.quotas.items())
    )
    shared = p.total_budget - sum(p.quotas.values(), Decimal("0"))
    return (
        _("%(quotas)s; %(shared)s shared, drawn on once a region's quota is used up")
        if p.quota_shared_pool
        else _("%(quotas)s; %(shared)s shared, for regions without a quota only")
    ) % {"quotas": parts, "shared": _yuan(shared)}


def public_program_groups(today=None) -> list[tuple[str, str, list[dict]]]:
    """The published programs as the home pages list them: (phase, label,
    programs), open first, then upcoming, then closed; each program with
    its headline rate and yearly cap in words."""
    groups = selectors.program_list_public(today)
    return [
        (
            phase,
            PHASE_LABELS[phase],
            [
                {
                    "program": i.program,
                    "params": i.params,
                    "rate": headline_rate(i.params),
                    "cap": yuan(i.params.cap_per_enterprise_year),
                }
                for i in groups[phase]
            ],
        )
        for phase in selectors.PHASES
    ]


def mark_changes(sections: list[dict], previous: list[dict] | None) -> list[str]:
    """Flag the rows that differ from the previous version's; return their
    labels."""
    if previous is None:
        return []
    before = {row["key"]: row for s in previous for row in s["rows"]}
    changed, seen = [], set()
    for section in sections:
        for row in section["rows"]:
            seen.add(row["key"])
            old = before.get(row["key"])
            row["changed"] = old is None or old["text"] != row["text"]
            if row["changed"]:
                changed.append(row["label"])
    # Rows the previous version had and this one has not (a tier removed).
    changed += [row["label"] for key, row in before.items() if key not in seen]
    return changed


def param_changes(params: dict, previous: dict) -> list[dict]:
    """The parameters that differ between two versions, in words: each with
    its label and its text before and after ("—" where one side has none),
    in the order the program page shows them. What a second program manager
    reads before approving a change."""
    before = {row["key"]: row for s in describe_params(previous) for row in s["rows"]}
    changes, seen = [], set()
    for section in describe_params(params):
        for row in section["rows"]:
            seen.add(row["key"])
            old = before.get(row["key"])
            if old is None or old["text"] != row["text"]:
                changes.append(
                    {
                        "section": section["title"],
                        "label": row["label"],
                        "before": old["text"] if old else "—",
                        "after": row["text"],
                    }
                )
    for key, row in before.items():
        if key not in seen:
            changes.append(
                {
                    "section": "",
                    "label": row["label"],
                    "before": row["text"],
                    "after": "—",
                }
            )
    return changes
