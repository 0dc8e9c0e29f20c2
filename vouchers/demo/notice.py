"""The public notice in the demo: the province's benchmark program brings
in a five-working-day notice (a second version, proposed by the deputy
manager and approved by the manager: four eyes), the province's reviewer
gives BMK-0018 (海宁经编纺织有限公司) its final approval, so it goes into
notice with its subsidy reserved, and someone from the public objects.
Through the services; once (0 when a notice exists)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ..models import Application, Notice, Program
from ..notice import services as notices
from ..programs import services as programs
from ..review import services as review

PROGRAM = "ZJ-BENCHMARK-2026"
APPLICATION = "DEMO-BMK-0018"  # contract number; at the province's (final) stage
NOTICE_DAYS = 5


def load_notice_demo(*, manager, deputy) -> dict:
    if Notice.objects.exists():
        return {"public notices": 0}
    program = Program.objects.get(code=PROGRAM)
    latest = program.versions.order_by("-number").first()
    if not latest.parsed().public_notice_days:
        change = programs.program_change_propose(
            program=program,
            params={**latest.params, "public_notice_days": NOTICE_DAYS},
            actor=deputy,
            note="终审通过后、发券前公示5个工作日，接受社会监督",
        )
        programs.program_change_approve(change=change, actor=manager)
    app = Application.objects.filter(
        program=program,
        contract_number=APPLICATION,
        status=Application.Status.IN_REVIEW,
    ).first()
    if app is None or not app.final_stage:
        return {"public notices": 0}
    reviewer = get_user_model().objects.get(email="reviewer.province@example.com")
    review.application_approve(application=app, reviewer=reviewer)
    notices.objection_submit(
        notice=Notice.objects.get(application=app),
        name="王先生（嘉兴某纺织企业）",
        contact="0573-8000 0000",
        reason=(
            "据了解，该企业 2025 年已享受同类算力补贴，本次申报的 H20 推理算力合同"
            "与去年合同内容相近，请核查是否重复申报。"
        ),
        client_ip="203.0.113.20",
    )
    return {"public notices": 1}
