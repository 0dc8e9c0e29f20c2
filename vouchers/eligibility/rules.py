"""The rules. Each is one small function ``(facts, params, ctx) -> RuleResult``
registered under a stable code; each says pass, fail, review or not
applicable, why (in Chinese and English), and which facts and parameters it
used. Programs choose rules and their parameters as data.

To add a rule: write the function here with ``@rule(code, ...)`` and, if it
takes parameters, a checker that normalises them (raise ParamsError);
then name the code in a program's rule set. Existing codes never change
meaning: a changed rule gets a new code, so old decisions stay explainable.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from config.money import FEN
from config.money import yuan as _yuan
from enterprises.credit import on_list_within, years_before

from .errors import ParamsError
from .facts import PartyFacts
from .registry import FAIL, NOT_APPLICABLE, PASS, REVIEW, result, rule

SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


# -- parameter checkers ------------------------------------------------------


def _prefixes(params: dict[str, Any]) -> dict[str, Any]:
    prefixes = params.get("allowed_prefixes", ["91"])
    if (
        not isinstance(prefixes, list)
        or not prefixes
        or not all(isinstance(p, str) and len(p) == 2 for p in prefixes)
    ):
        raise ParamsError(
            {"allowed_prefixes": ["Give 2-character code prefixes, e.g. 91."]}
        )
    return {"allowed_prefixes": prefixes}


def _lookback(params: dict[str, Any]) -> dict[str, Any]:
    years = params.get("lookback_years", 3)
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 10:
        raise ParamsError(
            {"lookback_years": ["Give a whole number of years from 0 to 10."]}
        )
    return {"lookback_years": years}


def _benchmark(params: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key in ("from_year", "to_year"):
        value = params.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 2000 <= value <= 2100
        ):
            errors[key] = ["Give a year from 2000 to 2100."]
        out[key] = value
    for key in ("it_min", "ai_min"):
        raw = params.get(key)
        try:
            if isinstance(raw, float | bool) or raw is None:
                raise InvalidOperation
            value = Decimal(str(raw))
            if not value.is_finite() or value < 0:
                raise InvalidOperation
            out[key] = str(value.quantize(FEN))
        except (InvalidOperation, ValueError):
            errors[key] = ["Give an amount in yuan as a decimal string."]
    if not errors and out["from_year"] > out["to_year"]:
        errors["to_year"] = ["The window must end after it starts."]
    if errors:
        raise ParamsError(errors)
    return out


def _related(params: dict[str, Any]) -> dict[str, Any]:
    outcome = params.get("outcome", REVIEW)
    if outcome not in (FAIL, REVIEW):
        raise ParamsError({"outcome": ["Choose fail or review."]})
    return {"outcome": outcome}


# -- rules -------------------------------------------------------------------


@rule("application_window", title_zh="申报期", title_en="Application window", order=5)
def application_window(facts, params, ctx):
    p = ctx.params
    day = facts.decided_on
    used = {"application_date": str(day)}
    used_params = {"opens_on": str(p.opens_on), "closes_on": str(p.closes_on)}
    if p.opens_on <= day <= p.closes_on:
        return result(
            "application_window",
            PASS,
            f"申请日期 {day} 在申报期（{p.opens_on} 至 {p.closes_on}）内。",
            f"The application date {day} is inside the application window "
            f"({p.opens_on} to {p.closes_on}).",
            used,
            used_params,
        )
    return result(
        "application_window",
        FAIL,
        f"申请日期 {day} 不在申报期（{p.opens_on} 至 {p.closes_on}）内。",
        f"The application date {day} is outside the application window "
        f"({p.opens_on} to {p.closes_on}).",
        used,
        used_params,
    )


@rule(
    "enterprise_type",
    title_zh="市场主体类型",
    title_en="Enterprise type",
    order=10,
    params=_prefixes,
)
def enterprise_type(facts, params, ctx):
    code = facts.enterprise.credit_code
    allowed = params["allowed_prefixes"]
    used = {"credit_code_prefix": code[:2]}
    if code[:2] in allowed:
        return result(
            "enterprise_type",
            PASS,
            f"统一社会信用代码前两位为“{code[:2]}”，属于本项目受理的主体类型。",
            f"The credit code starts with “{code[:2]}”, a kind of entity this program admits.",
            used,
            params,
        )
    return result(
        "enterprise_type",
        FAIL,
        f"统一社会信用代码前两位为“{code[:2]}”，本项目只受理以 {'、'.join(allowed)} 开头的企业。",
        f"The credit code starts with “{code[:2]}”; this program admits only codes "
        f"starting with {', '.join(allowed)} (enterprises registered by market regulation).",
        used,
        params,
    )


@rule("region", title_zh="注册地", title_en="Registered region", order=20)
def region(facts, params, ctx):
    code = facts.enterprise.region_code
    used = {"region_code": code, "program_region": ctx.region_code}
    if code.startswith(ctx.region_prefix):
        return result(
            "region",
            PASS,
            f"企业注册地（{code}）在本项目地区（{ctx.region_name_zh}）内。",
            f"The enterprise is registered in {code}, inside the program's region "
            f"({ctx.region_name_en}).",
            used,
        )
    return result(
        "region",
        FAIL,
        f"企业注册地（{code}）不在本项目地区（{ctx.region_name_zh}）内。",
        f"The enterprise is registered in {code}, outside the program's region "
        f"({ctx.region_name_en}).",
        used,
    )


@rule("size_class", title_zh="企业规模", title_en="Size class", order=30)
def size_class(facts, params, ctx):
    size = facts.enterprise.size_class
    eligible = list(ctx.params.eligible_size_classes)
    used = {"size_class": size}
    used_params = {"eligible_size_classes": eligible}
    if not size:
        return result(
            "size_class",
            REVIEW,
            "企业规模无法确定（缺少行业或年度经营数据），需人工核实。",
            "The size class cannot be worked out (industry or annual figures missing); "
            "a reviewer must check it.",
            used,
            used_params,
        )
    names_zh = "、".join(SIZE_ZH[s] for s in eligible)
    if size in eligible:
        return result(
            "size_class",
            PASS,
            f"企业规模为{SIZE_ZH[size]}，属于本项目受理的规模（{names_zh}）。",
            f"The enterprise is {size}, a size this program admits ({', '.join(eligible)}).",
            used,
            used_params,
        )
    return result(
        "size_class",
        FAIL,
        f"企业规模为{SIZE_ZH[size]}，本项目只受理{names_zh}企业。",
        f"The enterprise is {size}; this program admits only {', '.join(eligible)} enterprises.",
        used,
        used_params,
    )


@rule("credit", title_zh="信用状况", title_en="Credit", order=40, params=_lookback)
def credit(facts, params, ctx):
    years = params["lookback_years"]
    since = years_before(facts.decided_on, years)
    hits = [
        e
        for e in facts.enterprise.credit_entries
        if on_list_within(e.listed_on, e.removed_on, facts.decided_on, years)
    ]
    used = {
        "entries": [
            {
                "listed_on": str(e.listed_on),
                "removed_on": str(e.removed_on) if e.removed_on else None,
            }
            for e in hits
        ],
        "checked_from": str(since),
        "checked_to": str(facts.decided_on),
    }
    if hits:
        first = hits[0]
        return result(
            "credit",
            FAIL,
            f"企业在近{years}年内被列入严重失信主体名单（列入日期 {first.listed_on}）。",
            f"The enterprise was on the list of seriously dishonest entities within the last "
            f"{years} years (listed on {first.listed_on}).",
            used,
            params,
        )
    return result(
        "credit",
        PASS,
        f"企业近{years}年内未被列入严重失信主体名单。",
        f"The enterprise was not on the list of seriously dishonest entities in the last "
        f"{years} years.",
        used,
        params,
    )


@rule(
    "benchmark_investment",
    title_zh="标杆企业投入门槛",
    title_en="Benchmark investment",
    order=50,
    params=_benchmark,
)
def benchmark_investment(facts, params, ctx):
    first, last = params["from_year"], params["to_year"]
    it_min, ai_min = Decimal(params["it_min"]), Decimal(params["ai_min"])
    window = [i for i in facts.enterprise.investments if first <= i.year <= last]
    it_sum = sum((i.it for i in window), Decimal("0.00"))
    ai_sum = sum((i.ai for i in window), Decimal("0.00"))
    used = {
        "it_total": str(it_sum),
        "ai_total": str(ai_sum),
        "years_declared": sorted(i.year for i in window),
    }
    it_ok, ai_ok = it_sum > it_min, ai_sum > ai_min
    zh = (
        f"{first}—{last} 年信息化投入合计 {_yuan(it_sum)} 元（须超过 {_yuan(it_min)} 元），"
        f"其中人工智能投入 {_yuan(ai_sum)} 元（须超过 {_yuan(ai_min)} 元）"
    )
    en = (
        f"IT investment {first}–{last} totals {_yuan(it_sum)} yuan (more than "
        f"{_yuan(it_min)} needed), of which AI {_yuan(ai_sum)} yuan (more than "
        f"{_yuan(ai_min)} needed)"
    )
    if it_ok and ai_ok:
        return result(
            "benchmark_investment", PASS, zh + "，符合要求。", en + ".", used, params
        )
    return result(
        "benchmark_investment",
        FAIL,
        zh + "，未达到门槛。",
        en + ": below the threshold.",
        used,
        params,
    )


@rule("contract", title_zh="合同", title_en="Contract", order=60)
def contract(facts, params, ctx):
    c = facts.contract
    p = ctx.params
    used_params = {
        "signed_from": str(p.contract_signed_from),
        "signed_to": str(p.contract_signed_to),
        "max_term_months": p.max_term_months,
        "min_contract_amount": str(p.min_contract_amount),
    }
    if c is None:
        return result(
            "contract",
            NOT_APPLICABLE,
            "未提供合同信息。",
            "No contract was given.",
            {},
            used_params,
        )
    used = {
        "signed_on": str(c.signed_on),
        "term_months": c.term_months,
        "amount": str(c.amount),
    }
    problems_zh, problems_en = [], []
    if c.signed_on < p.contract_signed_from or c.signed_on > p.contract_signed_to:
        problems_zh.append(
            f"签订日期 {c.signed_on} 不在 {p.contract_signed_from} 至 {p.contract_signed_to} 之间"
        )
        problems_en.append(
            f"it was signed on {c.signed_on}, outside {p.contract_signed_from} to "
            f"{p.contract_signed_to}"
        )
    if c.signed_on > facts.decided_on:
        problems_zh.append(f"签订日期 {c.signed_on} 晚于申请日期 {facts.decided_on}")
        problems_en.append(
            f"it is dated {c.signed_on}, after the application date {facts.decided_on}"
        )
    if c.term_months > p.max_term_months:
        problems_zh.append(f"期限 {c.term_months} 个月超过 {p.max_term_months} 个月")
        problems_en.append(
            f"its term of {c.term_months} months exceeds {p.max_term_months}"
        )
    if c.amount < p.min_contract_amount:
        problems_zh.append(
            f"金额 {_yuan(c.amount)} 元低于最低 {_yuan(p.min_contract_amount)} 元"
        )
        problems_en.append(
            f"its amount {_yuan(c.amount)} yuan is below the minimum {_yuan(p.min_contract_amount)}"
        )
    if problems_zh:
        return result(
            "contract",
            FAIL,
            "合同不符合要求：" + "；".join(problems_zh) + "。",
            "The contract does not qualify: " + "; ".join(problems_en) + ".",
            used,
            used_params,
        )
    return result(
        "contract",
        PASS,
        f"合同于 {c.signed_on} 签订，期限 {c.term_months} 个月，金额 {_yuan(c.amount)} 元，符合要求。",
        f"The contract was signed on {c.signed_on} for {c.term_months} months and "
        f"{_yuan(c.amount)} yuan, within the program's limits.",
        used,
        used_params,
    )


@rule("provider", title_zh="服务商", title_en="Provider", order=70)
def provider(facts, params, ctx):
    pv = facts.provider
    if pv is None:
        return result(
            "provider",
            NOT_APPLICABLE,
            "未指定服务商。",
            "No provider was named.",
        )
    used = {
        "status": pv.status,
        "offers_compute": pv.offers_compute,
        "offers_model": pv.offers_model,
        "offering_filing_number": pv.offering_filing_number,
    }
    if pv.status != "approved":
        return result(
            "provider",
            FAIL,
            "服务商未在入库名单中（未通过审核或已暂停）。",
            "The provider is not on the approved list (not approved, or suspended).",
            used,
        )
    if ctx.kind == "compute" and not pv.offers_compute:
        return result(
            "provider",
            FAIL,
            "服务商未登记算力服务。",
            "The provider is not registered for compute.",
            used,
        )
    if ctx.kind == "model":
        if not pv.offers_model:
            return result(
                "provider",
                FAIL,
                "服务商未登记模型服务。",
                "The provider is not registered for model services.",
                used,
            )
        if not pv.offering_filing_number:
            return result(
                "provider",
                FAIL,
                "所购模型服务缺少网信办备案号。",
                "The model service bought has no Cyberspace Administration filing number.",
                used,
            )
        # Decisions made before the filing list was consulted have no status
        # and are explained as they were made.
        if pv.offering_filing_status:
            used["offering_filing_status"] = pv.offering_filing_status
        if pv.offering_filing_status == "revoked":
            return result(
                "provider",
                FAIL,
                "所购模型服务的备案已被注销。",
                "The filing of the model service bought has been revoked.",
                used,
            )
        if pv.offering_filing_status == "absent":
            return result(
                "provider",
                REVIEW,
                "所购模型服务的备案号不在已导入的生成式人工智能服务备案名单中，请核对是否已备案。",
                "The model service's filing number is not on the imported list of "
                "filed generative-AI services: check whether it is filed.",
                used,
            )
    return result(
        "provider",
        PASS,
        "服务商已入库，服务类型符合本项目。",
        "The provider is approved and sells the kind of service this program pays for.",
        used,
    )


def _norm(value: str) -> str:
    return "".join(value.split()).lower()


# What two organisations can share, in the order reasons name them.
SHARED_LABELS = {
    "legal_representative": ("法定代表人", "legal representative"),
    "shareholder": ("股东", "shareholder"),
    "provider_shareholder": ("服务商持股", "the provider holds shares"),
    "phone": ("联系电话", "phone"),
    "address": ("地址", "address"),
}


def shared_parties(a: PartyFacts, b: PartyFacts, b_credit_key: str = "") -> list[str]:
    """What an enterprise (``a``) and a provider (``b``, whose keyed credit
    code is ``b_credit_key``) have in common, as codes of SHARED_LABELS:
    the one comparison behind the related-party rule and the audit flag."""
    shared = []
    if a.legal_representative and _norm(a.legal_representative) == _norm(
        b.legal_representative
    ):
        shared.append("legal_representative")
    keys_a = set(a.shareholder_keys)
    if keys_a & set(b.shareholder_keys) or {_norm(n) for n in a.shareholder_names} & {
        _norm(n) for n in b.shareholder_names
    }:
        shared.append("shareholder")
    if b_credit_key and b_credit_key in keys_a:
        shared.append("provider_shareholder")
    if a.phone and a.phone == b.phone:
        shared.append("phone")
    if a.address and _norm(a.address) == _norm(b.address):
        shared.append("address")
    return shared


@rule(
    "related_party",
    title_zh="关联关系",
    title_en="Related party",
    order=80,
    params=_related,
)
def related_party(facts, params, ctx):
    pv = facts.provider
    if pv is None:
        return result(
            "related_party",
            NOT_APPLICABLE,
            "未指定服务商，无法核查关联关系。",
            "No provider was named, so relations cannot be checked.",
            {},
            params,
        )
    shared = [
        SHARED_LABELS[code]
        for code in shared_parties(facts.enterprise.party, pv.party, pv.credit_code_key)
    ]
    used = {"shared": [en for _zh, en in shared]}
    if shared:
        return result(
            "related_party",
            params["outcome"],
            "申报企业与服务商存在相同的"
            + "、".join(zh for zh, _en in shared)
            + "，可能为关联方。",
            "The applicant and the provider share: "
            + ", ".join(en for _zh, en in shared)
            + "; they may be related parties.",
            used,
            params,
        )
    return result(
        "related_party",
        PASS,
        "未发现申报企业与服务商共有法定代表人、股东、电话或地址。",
        "The applicant and the provider share no legal representative, shareholder, "
        "phone or address.",
        used,
        params,
    )


@rule(
    "one_contract_one_claim",
    title_zh="一合同一申报",
    title_en="One contract, one claim",
    order=90,
)
def one_contract_one_claim(facts, params, ctx):
    c, h = facts.contract, facts.history
    if h is None or c is None or not c.contract_number or facts.provider is None:
        return result(
            "one_contract_one_claim",
            NOT_APPLICABLE,
            "需结合已有申报记录核查。",
            "Needs the existing applications to check.",
        )
    used = {
        "contract_number": c.contract_number,
        "other_claims": h.other_claims_of_contract,
    }
    if h.other_claims_of_contract:
        return result(
            "one_contract_one_claim",
            FAIL,
            f"合同 {c.contract_number} 已用于其他申报（同一合同只能申报一次）。",
            f"Contract {c.contract_number} of this provider is already in another "
            "application (one contract, one claim).",
            used,
        )
    return result(
        "one_contract_one_claim",
        PASS,
        f"合同 {c.contract_number} 未用于其他申报。",
        f"Contract {c.contract_number} is in no other application.",
        used,
    )


@rule("cap_budget", title_zh="额度与预算", title_en="Cap and budget", order=100)
def cap_budget(facts, params, ctx):
    calc = ctx.calculation
    if facts.history is None or calc is None:
        return result(
            "cap_budget",
            NOT_APPLICABLE,
            "需结合已有申报记录核查（测算已按年度上限与剩余预算封顶）。",
            "Needs the existing applications to check (the estimate is already "
            "limited by the yearly cap and the remaining budget).",
        )
    used = {
        "committed": str(facts.history.enterprise_year_committed),
        "cap_remaining": str(calc.cap_remaining),
        "budget_remaining": str(calc.budget_remaining),
        "gross": str(calc.gross),
    }
    used_params = {"cap_per_enterprise_year": str(ctx.params.cap_per_enterprise_year)}
    if calc.cap_remaining <= 0:
        return result(
            "cap_budget",
            FAIL,
            "企业本年度在本项目的补贴已达上限。",
            "The enterprise has reached its yearly cap in this program.",
            used,
            used_params,
        )
    if calc.budget_remaining <= 0:
        return result(
            "cap_budget",
            FAIL,
            "本项目预算已用完。",
            "The program's budget is used up.",
            used,
            used_params,
        )
    if calc.subsidy < calc.gross_rounded:
        return result(
            "cap_budget",
            PASS,
            f"按比例测算 {_yuan(calc.gross_rounded)} 元，受年度上限或剩余预算限制，"
            f"可补贴 {_yuan(calc.subsidy)} 元。",
            f"The rate gives {_yuan(calc.gross_rounded)} yuan; the yearly cap or the "
            f"remaining budget limits it to {_yuan(calc.subsidy)} yuan.",
            used,
            used_params,
        )
    return result(
        "cap_budget",
        PASS,
        "补贴在企业年度上限和项目剩余预算之内。",
        "The subsidy is within the enterprise's yearly cap and the program's remaining budget.",
        used,
        used_params,
    )
