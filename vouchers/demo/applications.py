"""Demo applications in every state, across the three demo programs, made
through the application and review services: the audit
trail, the screening records, the reviews, the notifications, the ledger and
the vouchers are the ones real use leaves.

``load_application_demo`` runs after the register demo and the demo programs
(``manage.py load_demo`` calls it). It is idempotent: every demo application
has a contract number starting with ``DEMO-``, and when one exists nothing is
made again (the reviewer accounts it adds are looked up by e-mail). It needs
the programs open today; outside their window it makes nothing and says so.

What it makes (``DEMO_APPLICATIONS``), as of the first run's day:

    applicant@example.com, 杭州西湖智算科技有限公司（演示）, Xihu:
      HZ-COMPUTE-2026    approved (Xihu, Hangzhou), voucher issued
      HZ-COMPUTE-2026    in review at the county (Xihu)
      HZ-COMPUTE-2026    draft (contract saved, only the contract uploaded)
      ZJ-MODEL-2026      returned by the city (Hangzhou) with a note
      ZJ-BENCHMARK-2026  rejected by a rule (no benchmark investment)
    other owners' enterprises (demo.owner1..9@example.com): in review at each
    stage (county, city, province) of each program, rejected by a reviewer at
    each level with reasons, withdrawn, approved with vouchers.

Decisions are made by the demo reviewers of the stage's level and region;
for enterprises outside Hangzhou the demo adds reviewers (``EXTRA_REVIEWERS``),
with the demo password, a verified e-mail address and TOTP, like load_demo's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoUsers, demo_totp_activate
from accounts.roles import Role
from config.exceptions import ApplicationError
from enterprises import services as enterprise_services
from enterprises.demo_data import (
    DEMO_PDF,
    OWNERS,
    PROVIDERS,
    enterprise_uscc,
    provider_uscc,
)
from enterprises.demo_data import ENTERPRISES as REGISTER_ENTERPRISES
from enterprises.models import Department, Enterprise, Membership, Offering, Provider
from enterprises.uscc import make_uscc

from ..applications import services as svc
from ..applications.selectors import required_documents
from ..models import Application, Program
from ..programs.selectors import program_accepts_submissions
from ..review import services as review

MARKER = "DEMO-"
S = Application.Status

# The accounts and organisations load_demo makes itself.
APPLICANT_EMAIL = "applicant@example.com"
APPLICANT_ENTERPRISE_USCC = make_uscc("330106", "DEM10001")
DEMO_PROVIDER_USCC = make_uscc("330108", "DEMP0001")

# Reviewers load_demo makes: e-mail by region code.
DEMO_REVIEWERS = {
    "330106": "reviewer.xihu@example.com",
    "330100": "reviewer.hangzhou@example.com",
    "330000": "reviewer.province@example.com",
}
# Reviewers this demo adds for enterprises outside Hangzhou: (e-mail, name,
# region code of the department).
EXTRA_REVIEWERS = [
    ("reviewer.ningbo@example.com", "林审核（宁波市）", "330200"),
    ("reviewer.haishu@example.com", "鲍审核（海曙区）", "330203"),
    ("reviewer.yinzhou@example.com", "袁审核（鄞州区）", "330212"),
    ("reviewer.jiaxing@example.com", "褚审核（嘉兴市）", "330400"),
    ("reviewer.huzhou@example.com", "姚审核（湖州市）", "330500"),
]

PDF = DEMO_PDF
FILE_NAMES = {
    "contract": "服务合同.pdf",
    "quote": "报价单.pdf",
    "commitment": "无关联关系承诺书.pdf",
    "payment_proof": "付款凭证.pdf",
}

# Steps: ("submit",), ("withdraw",), (decision, region code of the deciding
# reviewer[, reasons, note]) with decision approve / return / reject.
SUBMIT = ("submit",)
WITHDRAW = ("withdraw",)


@dataclass(frozen=True)
class DemoApplication:
    number: str  # contract number, after the DEMO- marker
    enterprise: int  # register number (enterprises.demo_data); 0: the applicant's
    program: str
    provider: int  # register number (enterprises.demo_data.PROVIDERS); 0: load_demo's
    offering: str
    signed_on: date
    lines: tuple[tuple[str, str, str], ...]  # category, description, yuan
    steps: tuple[tuple, ...] = ()
    expect: str = S.IN_REVIEW
    expect_level: str = ""  # the stage waited at, for in_review
    year_contract_total: str | None = None
    documents: int | None = None  # for drafts: how many of the required


HZ, MODEL, BENCH = "HZ-COMPUTE-2026", "ZJ-MODEL-2026", "ZJ-BENCHMARK-2026"
D = date

DEMO_APPLICATIONS = [
    # -- applicant@example.com: 杭州西湖智算科技有限公司（演示）, Xihu ----------------
    DemoApplication(
        "HZC-0001", 0, HZ, 0, "国产 GPU 算力（按卡时）", D(2026, 3, 16),
        (("compute", "国产 GPU 训练算力 30,000 卡时", "300000.00"),
         ("storage", "训练数据存储 6 个月", "20000.00")),
        (SUBMIT, ("approve", "330106"), ("approve", "330100")),
        expect=S.APPROVED,
    ),
    DemoApplication(
        "HZC-0002", 0, HZ, 1, "昇腾910B 训练算力（单卡）", D(2026, 9, 8),
        (("compute", "昇腾910B 训练算力 18,000 卡时", "180000.00"),),
        (SUBMIT,),
        expect_level="county",
        year_contract_total="500000.00",
    ),
    DemoApplication(
        "HZC-0003", 0, HZ, 2, "L20 48GB 推理算力（单卡）", D(2026, 10, 12),
        (("compute", "L20 推理算力 19,000 卡时", "80000.00"),),
        expect=S.DRAFT,
        year_contract_total="580000.00",
        documents=1,
    ),
    DemoApplication(
        "MOD-0004", 0, MODEL, 3, "澄观通用大模型 API", D(2026, 6, 2),
        (("model", "澄观通用大模型 API 调用（预付 1,000 万 tokens 包）", "120000.00"),),
        (SUBMIT, ("approve", "330106"),
         ("return", "330100", ["documents-incomplete"],
          "付款凭证只有首期款，请补充第二期付款凭证和对应发票后重新提交。")),
        expect=S.RETURNED,
    ),
    DemoApplication(
        "BMK-0005", 0, BENCH, 4, "海光 DCU K100 算力（单卡）", D(2026, 5, 20),
        (("compute", "海光 DCU K100 算力 76,000 卡时", "600000.00"),),
        (SUBMIT,),
        expect=S.REJECTED,  # by the benchmark_investment rule: nothing declared
    ),
    # -- demo.owner1: 杭州云栖智算科技有限公司, Xihu, small -----------------------
    DemoApplication(
        "HZC-0006", 1, HZ, 1, "昇腾910B 推理算力（单卡）", D(2026, 4, 1),
        (("compute", "昇腾910B 推理算力 69,000 卡时", "450000.00"),
         ("network", "专线接入", "30000.00")),
        (SUBMIT, ("approve", "330106")),
        expect_level="city",
    ),
    DemoApplication(
        "BMK-0007", 1, BENCH, 4, "海光 DCU K100 算力（单卡）", D(2026, 7, 15),
        (("compute", "海光 DCU K100 训练算力 150,000 卡时", "1200000.00"),),
        (SUBMIT,),
        expect_level="city",
    ),
    DemoApplication(
        "MOD-0008", 1, MODEL, 3, "澄观代码大模型 API", D(2026, 8, 20),
        (("model", "澄观代码大模型 API 调用", "90000.00"),),
        (SUBMIT,),
        expect_level="county",
    ),
    # -- demo.owner3: 杭州西溪算法研究院有限公司, Xihu, medium ---------------------
    DemoApplication(
        "MOD-0009", 10, MODEL, 4, "未来-7B 行业模型私有化部署", D(2026, 2, 26),
        (("model", "未来-7B 私有化部署 10 个月", "380000.00"),),
        (SUBMIT, ("approve", "330106"), ("approve", "330100")),
        expect_level="province",
    ),
    DemoApplication(
        "HZC-0010", 10, HZ, 5, "H20 96GB 推理算力（单卡）", D(2026, 5, 8),
        (("compute", "H20 推理算力 53,600 卡时", "900000.00"),),
        (SUBMIT, ("approve", "330106"),
         ("reject", "330100", ["price-unreasonable"],
          "合同单价每卡时 16.80 元，明显高于该服务商目录价 8.60 元，且未说明原因。")),
        expect=S.REJECTED,
    ),
    # -- demo.owner2: 杭州澜芯微电子有限公司, Binjiang, medium ---------------------
    DemoApplication(
        "BMK-0011", 2, BENCH, 1, "昇腾910B 训练算力（单卡）", D(2026, 3, 30),
        (("compute", "昇腾910B 训练算力 204,000 卡时", "2000000.00"),
         ("storage", "训练数据存储", "150000.00")),
        (SUBMIT, ("approve", "330100"), ("approve", "330000")),
        expect=S.APPROVED,
    ),
    # -- demo.owner4: 杭州极目视觉科技有限公司, Binjiang, medium -------------------
    DemoApplication(
        "HZC-0012", 11, HZ, 2, "A800 80GB 训练算力（单卡）", D(2026, 6, 18),
        (("compute", "A800 训练算力 20,800 卡时", "260000.00"),),
        (SUBMIT, WITHDRAW),
        expect=S.WITHDRAWN,
    ),
    # -- demo.owner5: 宁波甬创软件有限公司, Haishu (Ningbo), medium ---------------
    DemoApplication(
        "MOD-0013", 17, MODEL, 3, "澄观通用大模型 API", D(2026, 4, 22),
        (("model", "澄观通用大模型 API 调用", "250000.00"),),
        (SUBMIT, ("approve", "330203"), ("approve", "330200"),
         ("approve", "330000")),
        expect=S.APPROVED,
    ),
    DemoApplication(
        "BMK-0014", 17, BENCH, 2, "A800 80GB 训练算力（单卡）", D(2026, 8, 5),
        (("compute", "A800 训练算力 120,000 卡时", "1500000.00"),),
        (SUBMIT,),
        expect_level="city",
    ),
    # -- demo.owner6: 宁波智造模具有限公司, Yinzhou (Ningbo), small ---------------
    DemoApplication(
        "MOD-0015", 19, MODEL, 6, "越州政务问答大模型 API", D(2026, 7, 1),
        (("model", "越州大模型 API 调用（质检知识库问答）", "160000.00"),),
        (SUBMIT, ("approve", "330212")),
        expect_level="city",
    ),
    DemoApplication(
        "MOD-0016", 19, MODEL, 4, "未来-7B 行业模型 API", D(2026, 5, 12),
        (("model", "未来-7B 行业模型 API 调用", "60000.00"),),
        (SUBMIT,
         ("reject", "330212", ["documents-inconsistent"],
          "合同金额 60,000 元，发票金额 52,000 元，两者不一致。")),
        expect=S.REJECTED,
    ),
    # -- demo.owner9: 宁波云帆数据科技有限公司, Jiangbei (Ningbo), small -----------
    DemoApplication(
        "MOD-0017", 24, MODEL, 3, "澄观代码大模型 API", D(2026, 9, 15),
        (("model", "澄观代码大模型 API 调用", "45000.00"),),
        (SUBMIT, WITHDRAW),
        expect=S.WITHDRAWN,
    ),
    # -- demo.owner7: 海宁经编纺织有限公司, Haining (Jiaxing), medium -------------
    DemoApplication(
        "BMK-0018", 32, BENCH, 5, "H20 96GB 推理算力（单卡）", D(2026, 6, 10),
        (("compute", "H20 推理算力 93,000 卡时", "800000.00"),),
        (SUBMIT, ("approve", "330400")),
        expect_level="province",
    ),
    # -- demo.owner8: 德清莫干遥感科技有限公司, Deqing (Huzhou), small ------------
    DemoApplication(
        "BMK-0019", 37, BENCH, 1, "昇腾910B 训练算力（单卡）", D(2026, 4, 8),
        (("compute", "昇腾910B 训练算力 51,000 卡时", "500000.00"),),
        (SUBMIT, ("approve", "330500"),
         ("reject", "330000", ["documents-incomplete", "other"],
          "未提供算力使用计划；合同约定的交付机房在省外，需说明。")),
        expect=S.REJECTED,
    ),
]  # fmt: skip


class _Loader:
    def __init__(self, *, manager):
        self.manager = manager
        self._users = DemoUsers()

    # Reviewers -----------------------------------------------------------------

    def reviewers(self) -> list[tuple[str, str, str, str]]:
        """The added reviewers, made if missing: (role, e-mail, department,
        TOTP secret) for each, as load_demo prints logins."""
        rows = []
        for email, name, region in EXTRA_REVIEWERS:
            user = self._users.user(email, name)
            department = Department.objects.get(region_id=region)
            if not Membership.objects.filter(
                user=user, role=Role.REVIEWER, department=department
            ).exists():
                enterprise_services.membership_grant(
                    user=user,
                    role=Role.REVIEWER,
                    organisation=department,
                    granted_by=self.manager,
                )
            secret = demo_totp_activate(user)
            rows.append((Role.REVIEWER, email, str(department), secret))
        return rows

    # Applications ----------------------------------------------------------------

    def lookups(self) -> None:
        regions = {row[0]: row[1] for row in REGISTER_ENTERPRISES}
        provider_regions = {row[0]: row[1] for row in PROVIDERS}
        usccs = {0: APPLICANT_ENTERPRISE_USCC} | {
            n: enterprise_uscc(n, regions[n]) for n in OWNERS
        }
        by_uscc = Enterprise.objects.in_bulk(usccs.values(), field_name="uscc")
        self.enterprises = {n: by_uscc[code] for n, code in usccs.items()}
        self.owners = {
            m.enterprise_id: m.user
            for m in Membership.objects.filter(
                enterprise__in=self.enterprises.values(),
                role=Role.APPLICANT,
                is_owner=True,
            ).select_related("user")
        }
        provider_codes = {0: DEMO_PROVIDER_USCC} | {
            n: provider_uscc(n, r) for n, r in provider_regions.items()
        }
        by_code = Provider.objects.in_bulk(provider_codes.values(), field_name="uscc")
        self.providers = {n: by_code[code] for n, code in provider_codes.items()}
        self.programs = {p.code: p for p in Program.objects.select_related("region")}
        reviewer_emails = DEMO_REVIEWERS | {r: e for e, _n, r in EXTRA_REVIEWERS}
        users = get_user_model().objects.in_bulk(
            reviewer_emails.values(), field_name="email"
        )
        self.reviewers_by_region = {r: users[e] for r, e in reviewer_emails.items()}

    def application(self, spec: DemoApplication) -> Application:
        enterprise = self.enterprises[spec.enterprise]
        user = self.owners[enterprise.pk]
        provider = self.providers[spec.provider]
        offering = Offering.objects.get(provider=provider, name=spec.offering)
        application = svc.application_create(
            enterprise=enterprise, program=self.programs[spec.program], user=user
        )
        application = svc.application_save_contract(
            application=application,
            user=user,
            provider=provider,
            offering=offering,
            contract_number=MARKER + spec.number,
            # Signed in 2026, never after today.
            signed_on=min(spec.signed_on, timezone.localdate()),
            term_months=12,
            year_contract_total=Decimal(spec.year_contract_total)
            if spec.year_contract_total
            else None,
            lines=[svc.LineInput(c, d, Decimal(a)) for c, d, a in spec.lines],
        )
        kinds = required_documents(application)
        for kind in kinds[: spec.documents]:
            svc.application_attach(
                application=application,
                user=user,
                kind=kind,
                upload=SimpleUploadedFile(
                    FILE_NAMES.get(kind, f"{kind}.pdf"),
                    PDF,
                    content_type="application/pdf",
                ),
            )
        for step in spec.steps:
            if step == SUBMIT:
                application = svc.application_submit(application=application, user=user)
            elif step == WITHDRAW:
                application = svc.application_withdraw(
                    application=application, user=user
                )
            else:
                decision, region, *rest = step
                reasons, note = rest if rest else ([], "")
                reviewer = self.reviewers_by_region[region]
                if decision == "approve":
                    application = review.application_approve(
                        application=application, reviewer=reviewer
                    )
                elif decision == "return":
                    application = review.application_return(
                        application=application,
                        reviewer=reviewer,
                        note=note,
                        reasons=reasons,
                    )
                else:
                    application = review.application_reject(
                        application=application,
                        reviewer=reviewer,
                        reasons=reasons,
                        note=note,
                    )
        application.refresh_from_db()
        level = application.stage_level if application.status == S.IN_REVIEW else ""
        if application.status != spec.expect or level != spec.expect_level:
            raise RuntimeError(
                f"demo application {MARKER}{spec.number} ended {application.status}"
                f" {level} instead of {spec.expect} {spec.expect_level}"
            )
        return application


def demo_applications_exist() -> bool:
    return Application.objects.filter(contract_number__startswith=MARKER).exists()


def load_application_demo(*, manager) -> dict:
    """Make the demo applications (once) and the reviewers they need.

    Returns ``applications`` and ``reviewers`` (how many were made this run),
    ``by_status`` (of the applications made, ``{(program, status): count}``),
    ``skipped`` (why nothing was made, or "") and ``logins``: the added
    reviewers' (role, e-mail, department, TOTP secret), made or not, for
    load_demo to print. Needs the departments, the register demo and the demo
    programs. One transaction.
    """
    with transaction.atomic():
        loader = _Loader(manager=manager)
        logins = loader.reviewers()
        made: list[Application] = []
        skipped = ""
        if demo_applications_exist():
            skipped = "already loaded"
        else:
            try:
                for code in {s.program for s in DEMO_APPLICATIONS}:
                    program_accepts_submissions(Program.objects.get(code=code))
            except ApplicationError as exc:
                # The demo programs take applications in 2026 and 2027 only.
                skipped = str(exc.message)
            else:
                loader.lookups()
                made = [loader.application(spec) for spec in DEMO_APPLICATIONS]
    return {
        "applications": len(made),
        "reviewers": loader._users.created,
        "by_status": dict(Counter((a.program.code, a.status) for a in made)),
        "skipped": skipped,
        "logins": logins,
    }


__all__ = [
    "DEMO_APPLICATIONS",
    "EXTRA_REVIEWERS",
    "MARKER",
    "demo_applications_exist",
    "load_application_demo",
]
