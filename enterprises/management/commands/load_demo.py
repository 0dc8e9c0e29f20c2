"""Load the demo data. Running it again changes nothing that is already there."""

import json
from datetime import date
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, DemoUsers, demo_totp_activate
from accounts.roles import MFA_REQUIRED_ROLES, Role
from audits import actions
from audits.chain.demo import load_chain_demo
from audits.flags.demo import load_flags_demo
from audits.reports.demo import load_reports_demo
from audits.services import audit_event_record
from enterprises import services
from enterprises.demo_data import load_register_demo
from enterprises.models import (
    Department,
    Enterprise,
    Membership,
    Offering,
    Provider,
    Region,
)
from enterprises.uscc import make_uscc
from vouchers.demo.applications import load_application_demo
from vouchers.demo.lifecycle import load_lifecycle_demo
from vouchers.demo.notice import load_notice_demo
from vouchers.demo.programs import load_demo_programs, load_program_change_demo
from vouchers.demo.redemptions import load_redemption_demo
from vouchers.demo.reimbursements import load_reimbursement_demo
from vouchers.demo.settlement import load_settlement_demo

# (e-mail, name, role, organisation key)
DEMO_USERS = [
    ("applicant@example.com", "王小明", Role.APPLICANT, "enterprise"),
    ("provider@example.com", "李云", Role.PROVIDER_STAFF, "provider"),
    ("reviewer.xihu@example.com", "陈审核（西湖区）", Role.REVIEWER, "330106"),
    ("reviewer.hangzhou@example.com", "周审核（杭州市）", Role.REVIEWER, "330100"),
    ("reviewer.province@example.com", "吴审核（省厅）", Role.REVIEWER, "330000"),
    ("manager@example.com", "赵管理（省厅）", Role.PROGRAM_MANAGER, "330000"),
    # A second program manager: program changes need two (four eyes).
    ("manager.deputy@example.com", "钱副管理（省厅）", Role.PROGRAM_MANAGER, "330000"),
    ("auditor@example.com", "孙审计", Role.AUDITOR, "330000"),
]
ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Load demo data: Zhejiang departments, one account per role, sample organisations."

    def handle(self, *args, **options):
        users = DemoUsers()
        with transaction.atomic():
            created_departments = services.department_ensure_all()
            enterprise = self._enterprise()
            provider = self._provider()
            organisations = {"enterprise": enterprise, "provider": provider}
            rows = []
            for email, name, role, org_key in DEMO_USERS:
                user = users.user(email, name)
                organisation = organisations.get(org_key) or Department.objects.get(
                    region_id=org_key
                )
                if not self._has_membership(user, role, organisation):
                    services.membership_grant(
                        user=user,
                        role=role,
                        organisation=organisation,
                        is_owner=(role == Role.APPLICANT),
                    )
                secret = None
                if role in MFA_REQUIRED_ROLES:
                    secret = demo_totp_activate(user)
                rows.append((role, email, str(organisation), secret))
            self._admin()
            manager = get_user_model().objects.get(email="manager@example.com")
            register = load_register_demo(manager=manager)
            register["programs"] = load_demo_programs(actor=manager)
            demo = load_application_demo(manager=manager)
            register["applications"] = demo["applications"]
            register["reviewers"] = demo["reviewers"]
            rows += demo["logins"]
            charges = load_redemption_demo(
                provider=provider, enterprise_uscc=enterprise.uscc
            )
            register["charges"] = charges["charges"]
            register["statements"] = load_settlement_demo(
                provider=provider, manager=manager, voucher=charges["voucher"]
            )["statements"]
            register["reimbursements"] = load_reimbursement_demo()["reimbursements"]
            register |= load_lifecycle_demo(manager=manager)
            deputy = get_user_model().objects.get(email="manager.deputy@example.com")
            register["program changes"] = load_program_change_demo(proposer=deputy)
            register |= load_notice_demo(manager=manager, deputy=deputy)
            register |= load_flags_demo()
            register |= load_reports_demo()
            register |= load_chain_demo()
        self._print(rows, created_departments, register)
        self._print_api(charges["key"], charges["voucher"])

    def _admin(self):
        User = get_user_model()
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            user = User.objects.create_superuser(
                email=ADMIN_EMAIL, password=DEMO_PASSWORD
            )
            audit_event_record(
                action=actions.USER_CREATED,
                target=user,
                after={"email": ADMIN_EMAIL, "source": "demo", "superuser": True},
            )
            EmailAddress.objects.create(
                user=user, email=ADMIN_EMAIL, verified=True, primary=True
            )

    def _has_membership(self, user, role, organisation):
        field = organisation._meta.model_name
        return Membership.objects.filter(
            user=user, role=role, **{field: organisation}
        ).exists()

    def _enterprise(self):
        uscc = make_uscc("330106", "DEM10001")
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        if enterprise is None:
            # A software company in Xihu district with 45 staff and 12 million
            # yuan revenue: the applicant of the self-check examples.
            enterprise = services.enterprise_create(
                uscc=uscc,
                actor=None,
                data={
                    "name": "杭州西湖智算科技有限公司（演示）",
                    "legal_representative": "王小明",
                    "registered_address": "浙江省杭州市西湖区文三路 90 号（演示）",
                    "region": Region.objects.get(code="330106"),
                    "industry_code": "I65",
                    "established_on": date(2019, 5, 20),
                    "contact_phone": "13800001234",
                    "fiscal_year": 2025,
                    "employees": 45,
                    "revenue": Decimal("12000000.00"),
                    "total_assets": Decimal("8000000.00"),
                },
            )
        return enterprise

    def _provider(self):
        uscc = make_uscc("330108", "DEMP0001")
        provider = Provider.objects.filter(uscc=uscc).first()
        if provider is None:
            provider = Provider.objects.create(
                uscc=uscc,
                name="浙江之江算力云服务有限公司（演示）",
                status=Provider.Status.APPROVED,
                offers_compute=True,
                facility=Provider.Facility.DOMESTIC,
            )
            audit_event_record(
                action=actions.PROVIDER_CREATED,
                target=provider,
                after={"uscc": uscc, "status": provider.status, "source": "demo"},
            )
            services.offering_add(
                provider=provider,
                actor=None,
                data={
                    "kind": Offering.Kind.COMPUTE,
                    "name": "国产 GPU 算力（按卡时）",
                    "unit": Offering.Unit.GPU_CARD_HOUR,
                    "list_price": Decimal("9.8000"),
                },
            )
        return provider

    def _print_api(self, key, voucher):
        if not key:
            return
        code = voucher.code if voucher else "<voucher code>"
        holder = voucher.enterprise.uscc if voucher else "<credit code>"
        out = self.stdout.write
        base = "http://127.0.0.1:8000/api/v1"
        out("")
        out(
            "Provider API (provider@example.com's organisation; reference at /api/docs/):"
        )
        out(f"  API key (demo only): {key}")
        out(f'  curl -H "Authorization: Bearer {key}" {base}/redemptions/')
        lookup = json.dumps({"code": code, "credit_code": holder})
        offering = Offering.objects.filter(
            provider__api_keys__prefix=key.split("_")[1]
        ).first()
        charge = json.dumps(
            {
                "voucher_code": code,
                "credit_code": holder,
                "offering": offering.pk if offering else 0,
                "quantity": "10",
                "unit_price": str(offering.list_price) if offering else "1",
                "period_start": str(timezone.localdate()),
                "period_end": str(timezone.localdate()),
                "invoice_number": "FP-TRY-0001",
            },
            ensure_ascii=False,
        )
        auth = f'-H "Authorization: Bearer {key}" -H "Content-Type: application/json"'
        out("  Look up the demo voucher:")
        out(f"  curl {auth} -d '{lookup}' {base}/vouchers/lookup/")
        out("  Charge it (run it twice: the second answer is the first, replayed):")
        out(
            f'  curl {auth} -H "Idempotency-Key: try-0001" '
            f"-d '{charge}' {base}/redemptions/"
        )

    def _print(self, rows, created_departments, register):
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS("Demo data is ready."))
        out(
            f"  Departments created this run: {created_departments} "
            f"(total {Department.objects.count()})"
        )
        created = ", ".join(f"{k} {v}" for k, v in register.items() if v)
        out(f"  Register created this run: {created or 'nothing (already loaded)'}")
        out(
            f"  Register now: {Enterprise.objects.count()} enterprises, "
            f"{Provider.objects.count()} providers"
        )
        out("")
        out("Open http://127.0.0.1:8000/ and sign in with one of these accounts")
        out(f"(password for every account: {DEMO_PASSWORD}):")
        out("")
        for role, email, organisation, secret in rows:
            out(f"  {Role(role).label!s:<32} {email:<32} {organisation}")
            if secret:
                out(f"  {'':<32} TOTP secret {secret}")
                out(f"  {'':<32} current code: python manage.py demo_totp {email}")
        out(f"  {'Django admin (superuser only)':<32} {ADMIN_EMAIL:<32} /admin/")
        out("")
        out("More demo accounts (same password): demo.owner1..10@example.com own")
        out("enterprises; demo.provider1..8@example.com are provider staff.")
        out("")
        out("Government roles need the second factor: add the TOTP secret to an")
        out("authenticator app, or print the current code with the command shown.")
