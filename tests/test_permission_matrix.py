"""The permission matrix: every URL of the project, every kind of user.

Each URL name has an entry in ``EXPECTED`` that says how to build its
arguments and what each actor gets on GET (and, for views that write or have
a guard of their own on POST, on POST). The expectations are written from the
guards the views declare (``accounts.permissions``, ``enterprises.permissions``,
``login_required``, allauth's own decorators, ``admin.site.has_permission``)
and from the platform's rules, not recorded from the running code:

* anonymous users are sent to the login page (``next`` kept);
* signed-in users without the role get 403;
* government roles (reviewer, program manager, auditor) give nothing until
  the second factor: without TOTP the user is sent to set it up, with TOTP
  but a session that did not pass the code, to give it;
* objects of another organisation answer 404;
* Django admin is for superusers only.

A URL added to the project without an entry here fails
``test_every_url_has_a_matrix_entry``; an entry left behind when a URL goes
fails ``test_matrix_has_no_stale_entries``. Known bugs are listed in
``KNOWN_BUGS``: those cases are strict xfails, so they turn into failures
(XPASS) once the bug is fixed and the entry must be removed.

The world (users, enterprises, providers, claims, files, and one signed-in
session per actor made with the suite's ``Client.force_login``) is built once
for the module inside a transaction that is rolled back at the end; each test
runs in its own savepoint (pytest-django's ``db``), so the writes of the POST
checks (and logging out) never reach the next test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import (
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import timezone

from accounts.roles import MFA_REQUIRED_ROLES, Role
from audits import actions
from audits.models import (
    AuditEvent,
    ChainCheckpoint,
    ChainVerification,
    Flag,
    FlagScan,
    Report,
)
from enterprises import services
from enterprises.models import (
    Document,
    Enterprise,
    EnterpriseClaim,
    InvestmentDeclaration,
    Invitation,
    Membership,
    Offering,
    Provider,
    Region,
    Shareholder,
)
from tests.conftest import Client
from tests.factories import (
    ApplicationFactory,
    EnterpriseFactory,
    ProviderFactory,
    UserFactory,
    demo_program,
    department_for,
    make_role_user,
    make_sme,
    membership,
)
from vouchers.ledger.services import transfer, voucher_account
from vouchers.models import (
    Application,
    ApplicationDocument,
    Clawback,
    LedgerAccount,
    LedgerTransfer,
    Notice,
    Objection,
    Program,
    ProgramChange,
    ProviderApiKey,
    Reconciliation,
    ReconciliationItem,
    Redemption,
    Reimbursement,
    Statement,
    Voucher,
    WebhookDelivery,
    WebhookEndpoint,
)
from vouchers.programs.whatif import impact_compute
from vouchers.provider_api.services import api_key_create
from vouchers.redemption.services import Charge, redemption_charge, redemption_dispute

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str] = frozenset()
    totp: bool = False  # has a TOTP authenticator
    # The session's sign-in included the TOTP code (always, for users who have
    # TOTP, except the one actor signed in with the password only).
    mfa_session: bool = True


def _actor(*roles: str, totp: bool = False, mfa_session: bool = True) -> Actor:
    return Actor(frozenset(roles), totp, mfa_session)


ACTOR_PROFILES: dict[str, Actor] = {
    ANONYMOUS: _actor(),
    # Owner of an enterprise in Xihu (330106).
    "applicant": _actor(Role.APPLICANT),
    # Non-owner member of the same enterprise: may look, may not manage members.
    "colleague": _actor(Role.APPLICANT),
    # Owner of another enterprise (Ningbo): the IDOR check for enterprise objects.
    "other_applicant": _actor(Role.APPLICANT),
    "provider_staff": _actor(Role.PROVIDER_STAFF),
    # Staff of another provider: the IDOR check for provider objects.
    "other_provider_staff": _actor(Role.PROVIDER_STAFF),
    # Xihu reviewer, with TOTP.
    "reviewer": _actor(Role.REVIEWER, totp=True),
    # Reviewer of another region (Ningbo): the IDOR check for regional objects.
    "other_reviewer": _actor(Role.REVIEWER, totp=True),
    # Xihu reviewer without TOTP: sent to set it up.
    "reviewer_without_mfa": _actor(Role.REVIEWER),
    # Xihu reviewer with TOTP whose session passed the password only: sent to
    # give the code.
    "reviewer_password_only": _actor(Role.REVIEWER, totp=True, mfa_session=False),
    "program_manager": _actor(Role.PROGRAM_MANAGER, totp=True),
    "program_manager_without_mfa": _actor(Role.PROGRAM_MANAGER),
    "auditor": _actor(Role.AUDITOR, totp=True),
    "auditor_without_mfa": _actor(Role.AUDITOR),
    # No membership at all: Django admin only.
    "superuser": _actor(),
}
ACTORS = tuple(ACTOR_PROFILES)
SIGNED_IN = tuple(a for a in ACTORS if a != ANONYMOUS)
WITH_TOTP = frozenset(a for a, p in ACTOR_PROFILES.items() if p.totp)
# Government users whose role gives nothing yet: no TOTP, or not in this session.
GOVERNMENT_WITHOUT_MFA = frozenset(
    a
    for a, p in ACTOR_PROFILES.items()
    if p.roles & MFA_REQUIRED_ROLES and not (p.totp and p.mfa_session)
)


# ---------------------------------------------------------------------------
# Expected answers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """An expected response: a status and, for redirects, where to."""

    status: int
    to: str | None = None  # URL name the Location's path must be
    next: bool = False  # the Location carries ?next=<the requested path>

    def __repr__(self) -> str:
        if self.to:
            return f"{self.status}->{self.to}{'?next' if self.next else ''}"
        return str(self.status)

    @property
    def options(self) -> tuple[Go, ...]:
        return (self,)


@dataclass(frozen=True)
class Either:
    """Any one of these answers is right (used where the rule allows more than
    one way of refusing)."""

    options: tuple[Go, ...]

    def __repr__(self) -> str:
        return " or ".join(repr(o) for o in self.options)


Expect = Go | Either

OK = Go(200)
FORBIDDEN = Go(403)
NOT_FOUND = Go(404)
NOT_ALLOWED = Go(405)
LOGIN = Go(302, "account_login", next=True)
MFA_SETUP = Go(302, "mfa_activate_totp")
ADMIN_LOGIN = Go(302, "admin:login", next=True)
HOME = Go(302, "home")
REAUTHENTICATE = Go(302, "account_reauthenticate")
MFA_REAUTH = Go(302, "mfa_reauthenticate", next=True)


def to(name: str) -> Go:
    return Go(302, name)


Answers = dict[str, Expect]


def everyone(answer: Expect) -> Answers:
    return dict.fromkeys(ACTORS, answer)


def signed_in(answer: Expect, *, anonymous: Expect = LOGIN) -> Answers:
    """``login_required`` (or alike): anonymous to login, everyone else ``answer``."""
    return {ANONYMOUS: anonymous, **dict.fromkeys(SIGNED_IN, answer)}


def _check_actors(actors) -> None:
    unknown = set(actors) - set(ACTORS)
    assert not unknown, f"unknown actors: {unknown}"


def _second_factor_missing(actor: str) -> Go:
    """What the guard does with a government role whose second factor is
    missing: set TOTP up, or give the code for this session."""
    return MFA_REAUTH if ACTOR_PROFILES[actor].totp else MFA_SETUP


def role_page(*roles: str, ok: Expect = OK, **overrides: Expect) -> Answers:
    """``role_required(*roles)``: login, 403 without the role, the second
    factor for government roles without it, else ``ok``. ``overrides`` are
    object-level answers (another organisation's object: 404; not the owner:
    403)."""
    _check_actors(overrides)
    answers: Answers = {}
    for actor, profile in ACTOR_PROFILES.items():
        used = profile.roles & set(roles)
        if actor == ANONYMOUS:
            answers[actor] = LOGIN
        elif not used:
            answers[actor] = FORBIDDEN
        elif used & MFA_REQUIRED_ROLES and actor in GOVERNMENT_WITHOUT_MFA:
            answers[actor] = _second_factor_missing(actor)
        else:
            answers[actor] = ok
    return answers | overrides


def object_page(readers: set[str], *, ok: Expect = OK, write: bool = False) -> Answers:
    """``login_required`` + an object check (``..._or_404``): the readers get
    ``ok``, every other signed-in user 404. A government role without its
    second factor gives nothing: the user is sent to give it, or the object
    is as unknown as to a stranger (or, for a write, refused)."""
    _check_actors(readers)
    answers: Answers = {ANONYMOUS: LOGIN}
    for actor in SIGNED_IN:
        if actor in GOVERNMENT_WITHOUT_MFA:
            refusals = (_second_factor_missing(actor), NOT_FOUND)
            answers[actor] = Either((*refusals, FORBIDDEN) if write else refusals)
        else:
            answers[actor] = ok if actor in readers else NOT_FOUND
    return answers


def with_totp(yes: Expect, no: Expect) -> Answers:
    """Signed-in users with TOTP get ``yes``, the others ``no``."""
    return {
        ANONYMOUS: LOGIN,
        **{a: (yes if a in WITH_TOTP else no) for a in SIGNED_IN},
    }


def superuser_only() -> Answers:
    return everyone(ADMIN_LOGIN) | {"superuser": OK}


# Who may read what (object scoping).
MEMBERS = {"applicant", "colleague"}  # of the applicant's enterprise
GOV_READERS_XIHU = {"reviewer", "program_manager", "auditor"}  # region / province
ENTERPRISE_READERS = MEMBERS | GOV_READERS_XIHU
PROVIDER_READERS = {"provider_staff", "reviewer", "other_reviewer"} | {
    "program_manager",
    "auditor",
}


# ---------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% permission matrix\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class World:
    users: dict[str, Any]
    enterprise: Enterprise  # the applicant's (Xihu)
    other_enterprise: Enterprise  # the other applicant's (Ningbo)
    colleague_membership: Membership
    invitation: Invitation  # open, in the applicant's enterprise
    invitation_token: str
    other_invitation: Invitation  # open, in the other enterprise
    shareholder: Shareholder  # of the applicant's enterprise
    document: Document  # the applicant's enterprise's licence, by the applicant
    claim: EnterpriseClaim  # pending, on an unowned Xihu enterprise
    provider: Provider  # provider_staff's, status "applied" (editable)
    offering: Offering  # of ``provider``
    other_provider: Provider
    staff_membership: Membership  # a department role a manager may remove
    grantee: Any  # an account without roles, for the staff grant form
    program: Program  # HZ-COMPUTE-2026, open
    voucher: Voucher  # the applicant's enterprise's, in ``program``
    # In review at the county stage of ``program``: the applicant's enterprise
    # (Xihu), contract with ``other_provider`` (approved).
    application: Application  # in review at the county stage (other_provider)
    draft_application: Application  # the applicant's complete draft
    api_key: ProviderApiKey  # of ``provider``, active
    statement: Statement  # ``provider``'s in ``program``, open
    statement_item: ReconciliationItem  # its one difference, unexplained
    webhook: WebhookEndpoint  # of ``provider``, active
    webhook_delivery: WebhookDelivery  # to ``webhook``, failed
    # By ``provider`` on ``voucher`` (_add_charges): pending, and disputed by
    # the applicant (a Xihu reviewer decides it).
    charge: Redemption | None = None
    disputed_charge: Redemption | None = None
    # On ``voucher``, held there, submitted by the applicant (a Xihu reviewer
    # verifies it). The world's program deducts at the provider, so the
    # claim form answers 404 (a member of a reimbursing program's voucher
    # gets it: tests/vouchers/test_reimbursement_pages.py).
    reimbursement: Reimbursement | None = None
    # An open clawback of 10.00 on the applicant's voucher, recorded by the
    # program manager (through the ORM: the service's rules are in
    # tests/vouchers/test_lifecycle.py).
    clawback: Clawback | None = None
    # Proposed by a program manager who is none of the actors, so the
    # program_manager actor may approve it (four eyes).
    program_change: ProgramChange | None = None
    # An application in public notice with one open objection (rows only).
    objection: Objection | None = None
    sessions: dict[str, str] = field(default_factory=dict)  # actor -> session key


def _build_world() -> World:
    users: dict[str, Any] = {}
    xihu = Region.objects.get(code="330106")

    users["applicant"] = make_role_user(Role.APPLICANT, email="applicant@example.com")
    enterprise = users["applicant"].memberships.get().enterprise
    users["colleague"] = UserFactory(email="colleague@example.com")
    colleague_membership = membership(users["colleague"], Role.APPLICANT, enterprise)
    users["other_applicant"] = make_role_user(
        Role.APPLICANT, region="330203", email="other@example.com"
    )
    other_enterprise = users["other_applicant"].memberships.get().enterprise
    Enterprise.objects.filter(pk__in=[enterprise.pk, other_enterprise.pk]).update(
        contact_phone="13800138000"
    )

    provider = ProviderFactory(
        status=Provider.Status.APPLIED, offers_compute=True, facility="domestic"
    )
    other_provider = ProviderFactory(offers_model=True)
    for actor, org in [
        ("provider_staff", provider),
        ("other_provider_staff", other_provider),
    ]:
        users[actor] = UserFactory(email=f"{actor}@example.com")
        membership(users[actor], Role.PROVIDER_STAFF, org)
    offering = Offering.objects.create(
        provider=provider,
        kind=Offering.Kind.COMPUTE,
        name="A100 卡时",
        unit=Offering.Unit.GPU_CARD_HOUR,
        list_price=Decimal("12.5"),
    )

    for actor, role, region in [
        ("reviewer", Role.REVIEWER, "330106"),
        ("program_manager", Role.PROGRAM_MANAGER, "330000"),
        ("auditor", Role.AUDITOR, "330000"),
    ]:
        users[actor] = make_role_user(role, region=region, email=f"{actor}@example.com")
        users[f"{actor}_without_mfa"] = make_role_user(
            role, region=region, mfa=False, email=f"{actor}-no-mfa@example.com"
        )
    users["reviewer_password_only"] = make_role_user(
        Role.REVIEWER, region="330106", email="reviewer-password-only@example.com"
    )
    users["other_reviewer"] = make_role_user(
        Role.REVIEWER, region="330203", email="other-reviewer@example.com"
    )
    users["superuser"] = UserFactory(
        email="admin@example.com", is_superuser=True, is_staff=True
    )
    assert set(users) == set(SIGNED_IN)

    invitation, token = services.invitation_create(
        enterprise=enterprise,
        email="invitee@example.com",
        invited_by=users["applicant"],
    )
    other_invitation, _ = services.invitation_create(
        enterprise=other_enterprise,
        email="someone@example.com",
        invited_by=users["other_applicant"],
    )
    shareholder = Shareholder.objects.create(enterprise=enterprise, name="股东甲")
    document = services.document_store(
        upload=_pdf(),
        kind=Document.Kind.BUSINESS_LICENCE,
        uploaded_by=users["applicant"],
        enterprise=enterprise,
    )
    claim = services.enterprise_claim(
        user=UserFactory(email="claimant@example.com"),
        uscc=EnterpriseFactory(region=xihu).uscc,
        licence_upload=_pdf(),
    )
    staff_membership = membership(
        UserFactory(email="staff-target@example.com"),
        Role.REVIEWER,
        department_for("330102"),
    )
    program = demo_program()
    webhook = WebhookEndpoint.objects.create(
        provider=provider,
        url="https://1.1.1.1/matrix-hook",
        events=["charge.confirmed"],
        secret="whsec_matrix",
        created_by=users["provider_staff"],
    )
    statement = Statement.objects.create(
        program=program,
        provider=provider,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        number="MATRIX-202601",
        total=Decimal("1.00"),
        charge_count=0,
    )
    statement_item = ReconciliationItem.objects.create(
        reconciliation=Reconciliation.objects.create(
            statement=statement,
            file_name="matrix.csv",
            file_sha256="0" * 64,
            row_count=1,
            matched=0,
            differences=1,
            uploaded_by=users["provider_staff"],
        ),
        outcome="missing_on_platform",
        invoice_number="MATRIX-1",
        provider_amount=Decimal("1.00"),
        line=2,
    )
    world = World(
        users=users,
        enterprise=enterprise,
        other_enterprise=other_enterprise,
        colleague_membership=colleague_membership,
        invitation=invitation,
        invitation_token=token,
        other_invitation=other_invitation,
        shareholder=shareholder,
        document=document,
        claim=claim,
        provider=provider,
        offering=offering,
        other_provider=other_provider,
        staff_membership=staff_membership,
        grantee=UserFactory(email="grantee@example.com"),
        program=program,
        voucher=ApplicationFactory(
            approved=True,
            program=program,
            applicant=users["applicant"],
            enterprise=make_sme(Enterprise.objects.get(pk=enterprise.pk)),
            contract_number="HT-MATRIX-2",
        ).voucher,
        application=ApplicationFactory(
            submitted=True,
            program=program,
            applicant=users["applicant"],
            enterprise=make_sme(Enterprise.objects.get(pk=enterprise.pk)),
            provider=other_provider,
            contract_number="HT-MATRIX-1",
        ),
        draft_application=ApplicationFactory(
            complete=True,
            program=program,
            applicant=users["applicant"],
            enterprise=enterprise,
            provider=other_provider,
            contract_number="HT-MATRIX-3",
        ),
        api_key=api_key_create(
            provider=provider, user=users["provider_staff"], name="matrix"
        )[0],
        statement=statement,
        statement_item=statement_item,
        webhook=webhook,
        webhook_delivery=WebhookDelivery.objects.create(
            endpoint=webhook,
            event="charge.confirmed",
            event_id="00000000-0000-4000-8000-000000000001",
            payload={"event": "charge.confirmed"},
            status=WebhookDelivery.Status.FAILED,
            attempts=7,
        ),
    )
    _add_charges(world)
    world.reimbursement = _add_reimbursement(world)
    world.clawback = Clawback.objects.create(
        voucher=world.voucher,
        program=world.voucher.program,
        enterprise=world.voucher.enterprise,
        amount=Decimal("10.00"),
        legal_basis="第十二条",
        reason="重复申领",
        due_on=timezone.localdate(),
        created_by=world.users["program_manager"],
    )
    base = world.program.versions.order_by("-number").first()
    world.program_change = ProgramChange.objects.create(
        program=world.program,
        base=base,
        params={**base.params, "base_rate": "0.25"},
        note="补贴比例调整",
        proposed_by=make_role_user(Role.PROGRAM_MANAGER, region="330000"),
    )
    ProgramChange.objects.filter(pk=world.program_change.pk).update(
        impact_status=ProgramChange.Impact.DONE,
        impact=impact_compute(world.program_change),
    )
    world.objection = _add_objection(world)
    return world


def _add_objection(world: World) -> Objection:
    """A finally approved application in public notice (the rows only: the
    matrix checks who may see and do what, tests/vouchers/test_notice*.py
    the services) and an open objection to it."""
    app = ApplicationFactory(
        at_second_stage=True,
        program=world.program,
        applicant=world.users["applicant"],
        enterprise=world.enterprise,
        contract_number="HT-MATRIX-NOTICE",
    )
    Application.objects.filter(pk=app.pk).update(status=Application.Status.IN_NOTICE)
    today = timezone.localdate()
    notice = Notice.objects.create(
        application=app,
        program=world.program,
        amount=Decimal("100.00"),
        starts_on=today,
        ends_on=today + timedelta(days=7),
        approved_by=world.users["program_manager"],
    )
    return Objection.objects.create(
        notice=notice, name="张三", contact="13800000000", reason="关联方"
    )


def _add_reimbursement(world: World) -> Reimbursement:
    voucher, applicant = world.voucher, world.users["applicant"]
    r = Reimbursement.objects.create(
        voucher=voucher,
        program=voucher.program,
        enterprise=voucher.enterprise,
        invoice_issuer=world.provider.uscc,
        invoice_issuer_name=world.provider.name,
        invoice_number="FP-MATRIX-R1",
        invoice_date=timezone.localdate(),
        amount=Decimal("10.00"),
        proof=services.document_store(
            upload=SimpleUploadedFile("proof.pdf", PDF, "application/pdf"),
            kind="payment_proof",
            uploaded_by=applicant,
            enterprise=voucher.enterprise,
        ),
        created_by=applicant,
    )
    transfer(
        debit=voucher_account(voucher),
        credit=voucher_account(voucher, LedgerAccount.Kind.HELD),
        amount=r.amount,
        kind=LedgerTransfer.Kind.REIMBURSEMENT_HELD,
        key=f"reimbursement_held:{r.pk}",
        reference=r,
    )
    return r


def _add_charges(world: World) -> None:
    """Two charges by ``provider`` on the applicant's voucher, made through
    the services: one pending, one disputed by the applicant. The provider
    is approved while it charges and then put back to "applied" (the
    provider-decide check approves it)."""
    provider = world.provider
    Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.APPROVED)
    provider.refresh_from_db()
    today = timezone.localdate()

    def charge(invoice: str) -> Redemption:
        return redemption_charge(
            provider=provider,
            charge=Charge(
                voucher_code=world.voucher.code,
                credit_code=world.enterprise.uscc,
                offering_id=world.offering.pk,
                quantity=Decimal("2"),
                unit_price=Decimal("12.5"),
                period_start=today,
                period_end=today,
                invoice_number=invoice,
            ),
            actor=world.users["provider_staff"],
        )

    world.charge = charge("MATRIX-CHARGE-1")
    world.disputed_charge = redemption_dispute(
        redemption=charge("MATRIX-CHARGE-2"),
        user=world.users["applicant"],
        reason="用量不符",
    )
    Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.APPLIED)
    provider.refresh_from_db()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Built once; rolled back when the module is done. Uploaded files go to a
    temporary MEDIA_ROOT."""
    media = tmp_path_factory.mktemp("permission-matrix-media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = _build_world()
        for actor, user in world.users.items():
            world.sessions[actor] = _sign_in(user, ACTOR_PROFILES[actor])
        yield world
        transaction.set_rollback(True)


def _sign_in(user, profile: Actor) -> str:
    """A finished sign-in, made once per actor and reused by every test (the
    suite's ``Client.force_login``: password, plus the TOTP code for users who
    have it); returns the session key."""
    client = Client()
    client.force_login(user)
    session = client.session
    if not profile.mfa_session:
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            r
            for r in session[AUTHENTICATION_METHODS_SESSION_KEY]
            if r["method"] != "mfa"
        ]
        session.save()
    return session.session_key


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

Kwargs = Callable[[World], dict]
Effect = Callable[[World, Any], bool]


def no_kwargs(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Post:
    """A POST check: expected answers, the form data, and the write itself.

    ``done(world, client)`` tells whether the write happened; it must happen
    for the ``writers`` and must not for anyone else.
    """

    answers: Answers
    data: Callable[[World], dict] = lambda w: {}
    done: Effect | None = None
    writers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Spec:
    get: Answers
    kwargs: Kwargs = no_kwargs
    post: Post | None = None


@dataclass(frozen=True)
class GroupRule:
    """Every pattern under ``namespace`` is covered by one group, checked
    through a few representative names (entries of EXPECTED)."""

    namespace: str
    representatives: tuple[str, ...]
    reason: str


def _exists(model, **filters) -> Callable[[World, Any], bool]:
    return lambda w, client: model.objects.filter(**filters).exists()


def _member_gone(w: World, client) -> bool:
    return not Membership.objects.filter(pk=w.colleague_membership.pk).exists()


def _invitation_revoked(w: World, client) -> bool:
    return Invitation.objects.get(pk=w.invitation.pk).revoked_at is not None


def _invitation_accepted(w: World, client) -> bool:
    return Invitation.objects.get(pk=w.invitation.pk).accepted_at is not None


def _staff_granted(w: World, client) -> bool:
    return Membership.objects.filter(user=w.grantee).exists()


def _staff_gone(w: World, client) -> bool:
    return not Membership.objects.filter(pk=w.staff_membership.pk).exists()


def _signed_out(w: World, client) -> bool:
    return AuditEvent.objects.filter(action=actions.USER_LOGGED_OUT).exists()


def _shareholder_gone(w: World, client) -> bool:
    return not Shareholder.objects.filter(pk=w.shareholder.pk).exists()


def _phone_revealed(w: World, client) -> bool:
    return AuditEvent.objects.filter(
        action=actions.SENSITIVE_VALUE_REVEALED, object_id=str(w.enterprise.pk)
    ).exists()


def _provider_approved(w: World, client) -> bool:
    return Provider.objects.get(pk=w.provider.pk).status == Provider.Status.APPROVED


def _offering_withdrawn(w: World, client) -> bool:
    return not Offering.objects.get(pk=w.offering.pk).is_active


def _claim_decided(w: World, client) -> bool:
    return (
        EnterpriseClaim.objects.get(pk=w.claim.pk).status
        != EnterpriseClaim.Status.PENDING
    )


def _enterprise(w: World) -> dict:
    return {"pk": w.enterprise.pk}


def _provider(w: World) -> dict:
    return {"pk": w.provider.pk}


# The enterprise owner's writes: another enterprise's owner gets 404 (IDOR), a
# colleague who is not the owner gets 403.
OWNER_ONLY_POST = role_page(
    Role.APPLICANT,
    ok=to("enterprises:member-list"),
    other_applicant=NOT_FOUND,
    colleague=FORBIDDEN,
)
# Any member's writes on the enterprise (profile, shareholders).
MEMBER_PAGE = role_page(Role.APPLICANT, other_applicant=NOT_FOUND)
# Staff of this provider only; another provider's staff: 404.
PROVIDER_STAFF_PAGE = role_page(Role.PROVIDER_STAFF, other_provider_staff=NOT_FOUND)
# The provider's statement: open, with one reconciliation whose one line
# differs and is not explained yet.
STATEMENT_PAGE = role_page(
    Role.PROVIDER_STAFF,
    Role.PROGRAM_MANAGER,
    Role.AUDITOR,
    other_provider_staff=NOT_FOUND,
)


def _statement(w: World) -> dict:
    return {"pk": w.statement.pk}


def _statement_status(status: str) -> Effect:
    return lambda w, client: Statement.objects.filter(
        pk=w.statement.pk, status=status
    ).exists()


# A charge: its provider's staff, the enterprise's members and whoever may
# read the enterprise (Xihu reviewer, program manager, auditor); others 404.
CHARGE_READERS = {"provider_staff"} | MEMBERS | GOV_READERS_XIHU


def _charge(w: World) -> dict:
    assert w.charge is not None
    return {"pk": w.charge.pk}


def _clawback(w: World) -> dict:
    assert w.clawback is not None
    return {"pk": w.clawback.pk}


def _reimbursement(w: World) -> dict:
    assert w.reimbursement is not None
    return {"pk": w.reimbursement.pk}


def _disputed_charge(w: World) -> dict:
    assert w.disputed_charge is not None
    return {"pk": w.disputed_charge.pk}


def _charge_status(status: str, *, disputed: bool = False) -> Effect:
    def done(w: World, client) -> bool:
        charge = w.disputed_charge if disputed else w.charge
        assert charge is not None
        return Redemption.objects.filter(pk=charge.pk, status=status).exists()

    return done


# The Xihu claim: Xihu reviewers; a Ningbo reviewer does not know it.
CLAIM_PAGE = role_page(Role.REVIEWER, other_reviewer=NOT_FOUND)


def _report(w: World) -> dict:
    """A built report of the world's program (made through the ORM: the
    build is tested in tests/audits/test_reports.py)."""
    report = Report.objects.filter(number="AR-2026-999999").first()
    if report is None:
        report = Report(
            number="AR-2026-999999",
            kind=Report.Kind.PROGRAM,
            program=w.program,
            status=Report.Status.DONE,
            requested_by_label="matrix",
        )
        report.pdf.save("r.pdf", ContentFile(b"%PDF-1.7 matrix"), save=False)
        report.xlsx.save("r.xlsx", ContentFile(b"PK matrix"), save=False)
        report.save()
    return {"number": report.number}


def _records_kind(w: World) -> dict:
    return {"kind": "charges"}


def _flag(w: World) -> dict:
    """An open flag on the world's application (made through the ORM: the
    rules are tested in tests/audits/test_flag_rules.py)."""
    flag, _created = Flag.objects.get_or_create(
        rule="same_contract",
        key="matrix",
        defaults={
            "subject_type": "vouchers.application",
            "subject_id": str(w.application.pk),
            "enterprise": w.enterprise,
            "program": w.program,
            "facts": {
                "provider": "p",
                "contract_number": "HT-1",
                "applications": [],
            },
        },
    )
    return {"pk": flag.pk}


def _program(w: World) -> dict:
    return {"code": w.program.code}


def _program_change_approved(w: World, client) -> bool:
    change = ProgramChange.objects.get(pk=w.program_change.pk)
    return change.status == ProgramChange.Status.APPROVED


def _program_closed(w: World, client) -> bool:
    return Program.objects.get(pk=w.program.pk).status == Program.Status.CLOSED


PROGRAM_READERS_PAGE = role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, Role.REVIEWER)


def _voucher(w: World) -> dict:
    return {"code": w.voucher.code}


def _application(w: World) -> dict:
    return {"pk": w.application.pk}


def _screening(w: World) -> dict:
    return {"pk": w.application.screening_id}


def _application_decided(w: World, client) -> bool:
    return w.application.reviews.exists()


def _draft(w: World) -> dict:
    return {"pk": w.draft_application.pk}


def _submitted(w: World) -> dict:
    return {"pk": w.application.pk}


def _draft_of(w: World) -> Application:
    return Application.objects.get(pk=w.draft_application.pk)


def _application_started(w: World, client) -> bool:
    return Application.objects.filter(
        enterprise=w.enterprise, program__code="ZJ-MODEL-2026"
    ).exists()


def _contract_saved(w: World, client) -> bool:
    return _draft_of(w).contract_number == "HT-MATRIX-2"


def _draft_autosaved(w: World, client) -> bool:
    return (_draft_of(w).draft or {}).get("contract", {}).get(
        "contract_number"
    ) == "HT-TYPED"


def _contract_replaced(w: World, client) -> bool:
    return ApplicationDocument.objects.filter(
        application=w.draft_application,
        kind="contract",
        document__original_name="matrix-contract.pdf",
    ).exists()


def _draft_submitted(w: World, client) -> bool:
    return _draft_of(w).status != Application.Status.DRAFT


def _application_withdrawn(w: World, client) -> bool:
    return (
        Application.objects.get(pk=w.application.pk).status
        == Application.Status.WITHDRAWN
    )


# Pages of one application: applicants of its enterprise (owner or not);
# another enterprise's applicant does not know it (404).
APPLICATION_PAGE = role_page(Role.APPLICANT, other_applicant=NOT_FOUND)


def _application_post(ok: Expect) -> Answers:
    return role_page(Role.APPLICANT, ok=ok, other_applicant=NOT_FOUND)


EXPECTED: dict[str, Spec] = {
    # --- site ---------------------------------------------------------------
    "home": Spec(everyone(OK)),
    "healthz": Spec(everyone(OK)),
    # The user agreement and the privacy notice, read before signing up.
    "legal": Spec(everyone(OK), kwargs=lambda w: {"document": "privacy"}),
    # --- allauth: account ---------------------------------------------------
    # Signed-in users opening login or sign-up are sent home.
    "account_login": Spec(signed_in(HOME, anonymous=OK)),
    "account_signup": Spec(signed_in(HOME, anonymous=OK)),
    "account_logout": Spec(
        signed_in(OK, anonymous=HOME),  # GET asks to confirm
        post=Post(everyone(HOME), done=_signed_out, writers=frozenset(SIGNED_IN)),
    ),
    "account_inactive": Spec(everyone(OK)),
    "account_reauthenticate": Spec(signed_in(OK)),
    # Reauthenticating by an e-mailed code is turned off
    # (ACCOUNT_REAUTHENTICATION_METHODS): allauth answers 403.
    "account_request_reauthentication_code": Spec(signed_in(FORBIDDEN)),
    "account_confirm_reauthentication_code": Spec(signed_in(FORBIDDEN)),
    "account_email": Spec(signed_in(OK)),
    "account_email_verification_sent": Spec(everyone(OK)),
    "account_change_password": Spec(signed_in(OK)),
    # Every account has a password: set-password sends to change-password.
    "account_set_password": Spec(signed_in(to("account_change_password"))),
    "account_reset_password": Spec(everyone(OK)),
    "account_reset_password_done": Spec(everyone(OK)),
    "account_reset_password_from_key_done": Spec(everyone(OK)),
    # A bad key renders allauth's "bad token" page.
    "account_reset_password_from_key": Spec(
        everyone(OK), kwargs=lambda w: {"uidb36": "2s", "key": "bad-0123456789abcdef"}
    ),
    "account_confirm_email": Spec(
        everyone(OK), kwargs=lambda w: {"key": "MQ:1tFake:not-a-real-key"}
    ),
    # No login by code is pending: back to login (anonymous) or home.
    "account_confirm_login_code": Spec(signed_in(HOME, anonymous=to("account_login"))),
    # --- allauth: MFA -------------------------------------------------------
    "mfa_index": Spec(signed_in(OK)),
    # No login waiting for its second factor.
    "mfa_authenticate": Spec(signed_in(HOME, anonymous=to("account_login"))),
    "mfa_reauthenticate": Spec(with_totp(OK, REAUTHENTICATE)),
    # Signing in is not re-authenticating: allauth asks for it first.
    "mfa_activate_totp": Spec(signed_in(REAUTHENTICATE)),
    "mfa_deactivate_totp": Spec(with_totp(REAUTHENTICATE, NOT_FOUND)),
    "mfa_generate_recovery_codes": Spec(signed_in(REAUTHENTICATE)),
    # Nobody in the world has generated recovery codes.
    "mfa_view_recovery_codes": Spec(signed_in(NOT_FOUND)),
    "mfa_download_recovery_codes": Spec(signed_in(NOT_FOUND)),
    # --- accounts -----------------------------------------------------------
    "accounts:profile": Spec(signed_in(OK)),
    "accounts:language": Spec(
        everyone(NOT_ALLOWED),
        # Open to all; an off-site ``next`` is replaced by the home page.
        post=Post(
            everyone(HOME),
            data=lambda w: {"language": "en", "next": "https://evil.example.com/"},
        ),
    ),
    # --- enterprises: applicants --------------------------------------------
    # Any signed-in user: a claimant is not a member until the claim is accepted.
    "enterprises:mine": Spec(signed_in(OK)),
    "enterprises:claim": Spec(signed_in(OK)),
    "enterprises:detail": Spec(object_page(ENTERPRISE_READERS), kwargs=_enterprise),
    "enterprises:edit": Spec(MEMBER_PAGE, kwargs=_enterprise),
    "enterprises:declarations": Spec(
        object_page(ENTERPRISE_READERS),
        kwargs=_enterprise,
        # Readers read; only members declare (others who may read: 403).
        post=Post(
            object_page(
                ENTERPRISE_READERS,
                ok=FORBIDDEN,
                write=True,
            )
            | dict.fromkeys(MEMBERS, to("enterprises:declarations")),
            data=lambda w: {
                "year": timezone.localdate().year - 1,
                "it_amount": "1000.00",
                "ai_amount": "100.00",
            },
            done=_exists(InvestmentDeclaration),
            writers=frozenset(MEMBERS),
        ),
    ),
    "enterprises:shareholders": Spec(
        MEMBER_PAGE,
        kwargs=_enterprise,
        post=Post(
            role_page(
                Role.APPLICANT,
                ok=to("enterprises:shareholders"),
                other_applicant=NOT_FOUND,
            ),
            data=lambda w: {"name": "股东乙"},
            done=_exists(Shareholder, name="股东乙"),
            writers=frozenset(MEMBERS),
        ),
    ),
    "enterprises:shareholder-remove": Spec(
        # require_POST sits inside the role guard.
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.enterprise.pk, "shareholder_pk": w.shareholder.pk},
        post=Post(
            role_page(
                Role.APPLICANT,
                ok=to("enterprises:shareholders"),
                other_applicant=NOT_FOUND,
            ),
            done=_shareholder_gone,
            writers=frozenset(MEMBERS),
        ),
    ),
    # login_required, then require_POST, then the reader check.
    "enterprises:reveal-phone": Spec(
        everyone(NOT_ALLOWED),
        kwargs=_enterprise,
        post=Post(
            object_page(
                ENTERPRISE_READERS,
                ok=to("enterprises:detail"),
                write=True,
            ),
            done=_phone_revealed,
            writers=frozenset(ENTERPRISE_READERS),
        ),
    ),
    # The applicant's licence: its uploader, colleagues, readers of the region.
    "enterprises:document": Spec(
        object_page(ENTERPRISE_READERS), kwargs=lambda w: {"pk": w.document.pk}
    ),
    "enterprises:member-list": Spec(
        role_page(Role.APPLICANT, other_applicant=NOT_FOUND),
        kwargs=_enterprise,
        # POST invites a colleague: the owner only.
        post=Post(
            OWNER_ONLY_POST,
            data=lambda w: {"email": "newcomer@example.com"},
            done=_exists(Invitation, email="newcomer@example.com"),
            writers=frozenset({"applicant"}),
        ),
    ),
    "enterprises:member-remove": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=lambda w: {
            "pk": w.enterprise.pk,
            "membership_pk": w.colleague_membership.pk,
        },
        post=Post(OWNER_ONLY_POST, done=_member_gone, writers=frozenset({"applicant"})),
    ),
    "enterprises:invitation-revoke": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.enterprise.pk, "invitation_pk": w.invitation.pk},
        post=Post(
            OWNER_ONLY_POST, done=_invitation_revoked, writers=frozenset({"applicant"})
        ),
    ),
    # Any signed-in user may open the link; only the addressee (nobody here)
    # can accept, the others see the page again with an error.
    "enterprises:invitation-accept": Spec(
        signed_in(OK),
        kwargs=lambda w: {"token": w.invitation_token},
        post=Post(signed_in(OK), done=_invitation_accepted),
    ),
    # --- enterprises: providers ---------------------------------------------
    # Staff of exactly one provider are sent on to its page.
    "enterprises:provider-mine": Spec(
        role_page(Role.PROVIDER_STAFF, ok=to("enterprises:provider-detail"))
    ),
    # Any signed-in user may onboard their company as a provider.
    "enterprises:provider-apply": Spec(signed_in(OK)),
    "enterprises:provider-review": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    # Its staff and every government reader; POST adds an offering (staff only).
    "enterprises:provider-detail": Spec(
        object_page(PROVIDER_READERS),
        kwargs=_provider,
        post=Post(
            object_page(
                PROVIDER_READERS,
                ok=FORBIDDEN,
                write=True,
            )
            | {"provider_staff": to("enterprises:provider-detail")},
            data=lambda w: {
                "kind": "compute",
                "name": "H800 卡时",
                "unit": "gpu_card_hour",
                "list_price": "20",
            },
            done=_exists(Offering, name="H800 卡时"),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "enterprises:provider-edit": Spec(PROVIDER_STAFF_PAGE, kwargs=_provider),
    "enterprises:provider-decide": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_provider,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("enterprises:provider-detail")),
            data=lambda w: {"to_status": Provider.Status.APPROVED.value},
            done=_provider_approved,
            writers=frozenset({"program_manager"}),
        ),
    ),
    "enterprises:offering-withdraw": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.provider.pk, "offering_pk": w.offering.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("enterprises:provider-detail"),
                other_provider_staff=NOT_FOUND,
            ),
            done=_offering_withdrawn,
            writers=frozenset({"provider_staff"}),
        ),
    ),
    # --- enterprises: government --------------------------------------------
    "enterprises:review-home": Spec(role_page(Role.REVIEWER)),
    "enterprises:register": Spec(
        role_page(Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR)
    ),
    "enterprises:claim-queue": Spec(role_page(Role.REVIEWER)),
    "enterprises:claim-detail": Spec(
        CLAIM_PAGE,
        kwargs=lambda w: {"pk": w.claim.pk},
        post=Post(
            role_page(
                Role.REVIEWER,
                ok=to("enterprises:claim-queue"),
                other_reviewer=NOT_FOUND,
            ),
            data=lambda w: {"decision": "reject", "reason": "执照与企业不符"},
            done=_claim_decided,
            writers=frozenset({"reviewer"}),
        ),
    ),
    "enterprises:staff": Spec(
        role_page(Role.PROGRAM_MANAGER),
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("enterprises:staff")),
            data=lambda w: {
                "email": w.grantee.email,
                "department": w.staff_membership.department_id,
                "role": Role.AUDITOR.value,
            },
            done=_staff_granted,
            writers=frozenset({"program_manager"}),
        ),
    ),
    "enterprises:staff-remove": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.staff_membership.pk},
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("enterprises:staff")),
            done=_staff_gone,
            writers=frozenset({"program_manager"}),
        ),
    ),
    # --- audits -------------------------------------------------------------
    "audits:event-list": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:chain": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:chain-checkpoints-download": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)
    ),
    # Checking the chain and taking a checkpoint change no business data:
    # the chain's readers may ask for both.
    "audits:chain-verify": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=NOT_ALLOWED),
        post=Post(
            role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=to("audits:chain")),
            done=_exists(ChainVerification),
            writers=frozenset({"program_manager", "auditor"}),
        ),
    ),
    "audits:chain-checkpoint": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=NOT_ALLOWED),
        post=Post(
            role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=to("audits:chain")),
            done=_exists(ChainCheckpoint),
            writers=frozenset({"program_manager", "auditor"}),
        ),
    ),
    "audits:flag-list": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:dashboard": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:dashboard-xlsx": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    # Reports: managers and auditors ask for, watch and download them.
    "audits:report-list": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:report-request": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=NOT_ALLOWED),
        post=Post(
            role_page(
                Role.PROGRAM_MANAGER, Role.AUDITOR, ok=Go(302, "audits:report-detail")
            ),
            data=lambda w: {"kind": "program", "program": w.program.pk},
            done=_exists(Report, status=Report.Status.QUEUED),
            writers=frozenset({"program_manager", "auditor"}),
        ),
    ),
    "audits:report-detail": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR), kwargs=_report
    ),
    "audits:report-download": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR),
        kwargs=lambda w: {**_report(w), "which": "pdf"},
    ),
    # The province's records: read only, for managers and auditors alike.
    "audits:records-home": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "audits:records": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR), kwargs=_records_kind
    ),
    "audits:records-xlsx": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR), kwargs=_records_kind
    ),
    # A scan changes no business data: the flags' readers may ask for one.
    "audits:flag-scan": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=NOT_ALLOWED),
        post=Post(
            role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=to("audits:flag-list")),
            done=_exists(FlagScan),
            writers=frozenset({"program_manager", "auditor"}),
        ),
    ),
    # Managers read a flag; only auditors triage it.
    "audits:flag-detail": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR),
        kwargs=_flag,
        post=Post(
            role_page(
                Role.PROGRAM_MANAGER,
                Role.AUDITOR,
                ok=to("audits:flag-list"),
                program_manager=FORBIDDEN,
            ),
            data=lambda w: {"status": "dismissed", "note": "已核实，属正常续约。"},
            done=_exists(Flag, status="dismissed"),
            writers=frozenset({"auditor"}),
        ),
    ),
    # --- programs -----------------------------------------------------------
    "programs:list": Spec(PROGRAM_READERS_PAGE),
    # Public: a published program as a visitor reads it (a draft answers 404).
    "programs:public": Spec(everyone(OK), kwargs=_program),
    "programs:detail": Spec(PROGRAM_READERS_PAGE, kwargs=_program),
    "programs:version": Spec(
        PROGRAM_READERS_PAGE, kwargs=lambda w: {"code": w.program.code, "number": 1}
    ),
    "programs:change": Spec(
        PROGRAM_READERS_PAGE,
        kwargs=lambda w: {"code": w.program.code, "pk": w.program_change.pk},
        # Readers may look; only a program manager decides (the view refuses
        # the others' POST with 403 once they passed their second factor).
        post=Post(
            role_page(
                Role.PROGRAM_MANAGER,
                Role.AUDITOR,
                Role.REVIEWER,
                ok=FORBIDDEN,
                program_manager=to("programs:detail"),
            ),
            data=lambda w: {"action": "approve"},
            done=_program_change_approved,
            writers=frozenset({"program_manager"}),
        ),
    ),
    "programs:change-impact-xlsx": Spec(
        PROGRAM_READERS_PAGE,
        kwargs=lambda w: {"code": w.program.code, "pk": w.program_change.pk},
    ),
    "programs:create": Spec(role_page(Role.PROGRAM_MANAGER)),
    # The world's program has a change awaiting approval: the form sends the
    # manager to it (one proposal at a time).
    "programs:edit": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=to("programs:change")), kwargs=_program
    ),
    "programs:status": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_program,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("programs:detail")),
            data=lambda w: {"to_status": "closed"},
            done=_program_closed,
            writers=frozenset({"program_manager"}),
        ),
    ),
    # The world's program has no quotas: the move is refused (a message on
    # the program page), nothing written.
    "programs:quota-move": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_program,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("programs:detail")),
            data=lambda w: {
                "from_region": "",
                "to_region": "330100",
                "amount": "1.00",
                "reason": "调剂",
            },
        ),
    ),
    # --- vouchers -------------------------------------------------------------
    # Applicants list their own enterprises' vouchers (others': an empty list).
    "vouchers:voucher-list": Spec(role_page(Role.APPLICANT)),
    # The applicant's enterprise's voucher: its members and whoever may read
    # the enterprise (Xihu reviewer, program manager, auditor); others 404.
    "vouchers:voucher-detail": Spec(object_page(ENTERPRISE_READERS), kwargs=_voucher),
    "vouchers:certificate": Spec(object_page(ENTERPRISE_READERS), kwargs=_voucher),
    # --- review -------------------------------------------------------------
    "review:queue": Spec(role_page(Role.REVIEWER, Role.PROGRAM_MANAGER)),
    # The Xihu application is in the Xihu reviewer's queue only (county
    # stage): the batch approves it for them; for the others it is not in
    # their queue, so nothing happens and they are sent back to the queue.
    "review:batch-approve": Spec(
        role_page(Role.REVIEWER, Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        post=Post(
            role_page(Role.REVIEWER, Role.PROGRAM_MANAGER, ok=to("review:queue")),
            data=lambda w: {"ids": [w.application.pk]},
            done=_application_decided,
            writers=frozenset({"reviewer"}),
        ),
    ),
    # Reviewers read their queue's applications (and those they decided);
    # program managers and auditors read all. Only who may decide it (here the
    # Xihu reviewer: county stage) may post a decision; readers who may not
    # get 403, a Ningbo reviewer does not know it.
    "review:detail": Spec(
        role_page(
            Role.REVIEWER,
            Role.PROGRAM_MANAGER,
            Role.AUDITOR,
            other_reviewer=NOT_FOUND,
        ),
        kwargs=_application,
        post=Post(
            role_page(
                Role.REVIEWER,
                Role.PROGRAM_MANAGER,
                Role.AUDITOR,
                ok=FORBIDDEN,
                reviewer=to("review:queue"),
                other_reviewer=NOT_FOUND,
            ),
            data=lambda w: {"decision": "return", "note": "合同附件缺页"},
            done=_application_decided,
            writers=frozenset({"reviewer"}),
        ),
    ),
    # The application's stored screening, made again: who may read the
    # application on the review pages (a Ningbo reviewer does not know it).
    "review:decision": Spec(
        role_page(
            Role.REVIEWER,
            Role.PROGRAM_MANAGER,
            Role.AUDITOR,
            other_reviewer=NOT_FOUND,
        ),
        kwargs=_screening,
    ),
    # --- applications: the applicant's side ---------------------------------
    "applications:list": Spec(role_page(Role.APPLICANT)),
    # Another enterprise's applicant may use the page, but cannot pick this
    # enterprise (not among its own): the form answers with an error.
    "applications:new": Spec(
        role_page(Role.APPLICANT),
        post=Post(
            role_page(Role.APPLICANT, ok=to("applications:contract"))
            | {"other_applicant": OK},
            data=lambda w: {
                "enterprise": w.enterprise.pk,
                "program": Program.objects.get(code="ZJ-MODEL-2026").pk,
            },
            done=_application_started,
            writers=frozenset(MEMBERS),
        ),
    ),
    "applications:detail": Spec(APPLICATION_PAGE, kwargs=_draft),
    "applications:contract": Spec(
        APPLICATION_PAGE,
        kwargs=_draft,
        post=Post(
            _application_post(to("applications:documents")),
            data=lambda w: {
                "provider": w.other_provider.pk,
                "contract_number": "HT-MATRIX-2",
                "signed_on": str(timezone.localdate()),
                "term_months": "12",
                "line_0_category": "compute",
                "line_0_description": "GPU 卡时",
                "line_0_amount": "1000.00",
                "action": "continue",
            },
            done=_contract_saved,
            writers=frozenset(MEMBERS),
        ),
    ),
    # require_POST sits inside the role guard, before the object check.
    "applications:autosave": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.draft_application.pk, "step": "contract"},
        post=Post(
            _application_post(OK),
            data=lambda w: {"contract_number": "HT-TYPED"},
            done=_draft_autosaved,
            writers=frozenset(MEMBERS),
        ),
    ),
    "applications:documents": Spec(
        APPLICATION_PAGE,
        kwargs=_draft,
        post=Post(
            _application_post(to("applications:documents")),
            data=lambda w: {
                "action": "upload",
                "contract": _pdf("matrix-contract.pdf"),
            },
            done=_contract_replaced,
            writers=frozenset(MEMBERS),
        ),
    ),
    # POST submits the (complete) draft.
    "applications:review": Spec(
        APPLICATION_PAGE,
        kwargs=_draft,
        post=Post(
            _application_post(to("applications:detail")),
            done=_draft_submitted,
            writers=frozenset(MEMBERS),
        ),
    ),
    # The receipt exists once submitted (a draft's answers 404 to everyone).
    "applications:receipt": Spec(APPLICATION_PAGE, kwargs=_submitted),
    "applications:withdraw": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=_submitted,
        post=Post(
            _application_post(to("applications:detail")),
            done=_application_withdrawn,
            writers=frozenset(MEMBERS),
        ),
    ),
    # --- provider API keys (the provider's staff) and the provider API -------
    "vouchers:api-keys": Spec(
        PROVIDER_STAFF_PAGE,
        kwargs=lambda w: {"provider_pk": w.provider.pk},
        post=Post(
            PROVIDER_STAFF_PAGE,
            data=lambda w: {"name": "matrix key"},
            done=_exists(ProviderApiKey, name="matrix key"),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:api-key-revoke": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"provider_pk": w.provider.pk, "pk": w.api_key.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:api-keys"),
                other_provider_staff=NOT_FOUND,
            ),
            done=lambda w, client: ProviderApiKey.objects.filter(
                pk=w.api_key.pk, revoked_at__isnull=False
            ).exists(),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    # --- webhooks (the provider's staff) -------------------------------------
    "vouchers:webhooks": Spec(
        PROVIDER_STAFF_PAGE,
        kwargs=lambda w: {"provider_pk": w.provider.pk},
        post=Post(
            PROVIDER_STAFF_PAGE,
            data=lambda w: {
                "url": "https://1.1.1.1/matrix-new",
                "events": ["charge.voided"],
            },
            done=_exists(WebhookEndpoint, url="https://1.1.1.1/matrix-new"),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:webhook-disable": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"provider_pk": w.provider.pk, "pk": w.webhook.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:webhooks"),
                other_provider_staff=NOT_FOUND,
            ),
            done=lambda w, client: WebhookEndpoint.objects.filter(
                pk=w.webhook.pk, is_active=False
            ).exists(),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:webhook-ping": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"provider_pk": w.provider.pk, "pk": w.webhook.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:webhook-delivery"),
                other_provider_staff=NOT_FOUND,
            ),
            done=_exists(WebhookDelivery, event="ping"),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:webhook-delivery": Spec(
        PROVIDER_STAFF_PAGE,
        kwargs=lambda w: {"provider_pk": w.provider.pk, "pk": w.webhook_delivery.pk},
    ),
    "vouchers:webhook-retry": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"provider_pk": w.provider.pk, "pk": w.webhook_delivery.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:webhook-delivery"),
                other_provider_staff=NOT_FOUND,
            ),
            done=lambda w, client: WebhookDelivery.objects.filter(
                pk=w.webhook_delivery.pk, status="pending"
            ).exists(),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    # --- statements (settlement): the provider's staff, managers, auditors --
    "vouchers:statements": Spec(
        PROVIDER_STAFF_PAGE, kwargs=lambda w: {"provider_pk": w.provider.pk}
    ),
    "vouchers:statement-queue": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "vouchers:statement-detail": Spec(STATEMENT_PAGE, kwargs=_statement),
    "vouchers:statement-xlsx": Spec(STATEMENT_PAGE, kwargs=_statement),
    "vouchers:statement-pdf": Spec(STATEMENT_PAGE, kwargs=_statement),
    "vouchers:statement-reconcile": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=_statement,
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:statement-detail"),
                other_provider_staff=NOT_FOUND,
            ),
            data=lambda w: {
                "file": SimpleUploadedFile(
                    "records.csv", "发票号码,金额\nMATRIX-2,2.00\n".encode()
                )
            },
            done=lambda w, client: Reconciliation.objects.filter(
                statement=w.statement, file_name="records.csv"
            ).exists(),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:statement-explain": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=lambda w: {"pk": w.statement.pk, "item_pk": w.statement_item.pk},
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:statement-detail"),
                other_provider_staff=NOT_FOUND,
            ),
            data=lambda w: {"note": "matrix note"},
            done=lambda w, client: ReconciliationItem.objects.filter(
                pk=w.statement_item.pk, note="matrix note"
            ).exists(),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    # The world's statement has an unexplained difference: submission is
    # refused (and said so on the statement's page).
    "vouchers:statement-submit": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=_statement,
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:statement-detail"),
                other_provider_staff=NOT_FOUND,
            ),
            done=_statement_status("submitted"),
        ),
    ),
    # It is open, so approval, return and payment are refused too.
    "vouchers:statement-approve": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_statement,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("vouchers:statement-detail")),
            data=lambda w: {"confirmed": "1"},
            done=_statement_status("approved"),
        ),
    ),
    "vouchers:statement-return": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_statement,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=Go(400)),
            data=lambda w: {"reason": "matrix"},
        ),
    ),
    "vouchers:statement-pay": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_statement,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=Go(400)),
            data=lambda w: {
                "reference": "M-1",
                "paid_on": "2026-01-01",
                "amount": "1",
                "confirmed": "1",
            },
            done=_statement_status("paid"),
        ),
    ),
    # --- charges (redemption pages) -------------------------------------------
    # The world's provider is not approved (yet): the form is refused by the
    # service (400, nothing written).
    "vouchers:charge-new": Spec(
        PROVIDER_STAFF_PAGE,
        kwargs=lambda w: {"provider_pk": w.provider.pk},
        post=Post(
            role_page(Role.PROVIDER_STAFF, ok=Go(400), other_provider_staff=NOT_FOUND),
            data=lambda w: {
                "voucher_code": w.voucher.code,
                "credit_code": w.enterprise.uscc,
                "offering": w.offering.pk,
                "quantity": "1",
                "unit_price": "12.5",
                "period_start": str(timezone.localdate()),
                "period_end": str(timezone.localdate()),
                "invoice_number": "MATRIX-NEW",
            },
            done=_exists(Redemption, invoice_number="MATRIX-NEW"),
        ),
    ),
    "vouchers:charges": Spec(
        PROVIDER_STAFF_PAGE, kwargs=lambda w: {"provider_pk": w.provider.pk}
    ),
    "vouchers:charge-detail": Spec(object_page(CHARGE_READERS), kwargs=_charge),
    "vouchers:charge-void": Spec(
        role_page(Role.PROVIDER_STAFF, ok=NOT_ALLOWED),
        kwargs=_charge,
        post=Post(
            role_page(
                Role.PROVIDER_STAFF,
                ok=to("vouchers:charge-detail"),
                other_provider_staff=NOT_FOUND,
            ),
            data=lambda w: {"reason": "发票开错"},
            done=_charge_status("voided"),
            writers=frozenset({"provider_staff"}),
        ),
    ),
    "vouchers:charge-confirm": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=_charge,
        post=Post(
            role_page(
                Role.APPLICANT,
                ok=to("vouchers:charge-detail"),
                other_applicant=NOT_FOUND,
            ),
            data=lambda w: {"confirmed": "1"},
            done=_charge_status("confirmed"),
            writers=frozenset(MEMBERS),
        ),
    ),
    "vouchers:charge-dispute": Spec(
        role_page(Role.APPLICANT, ok=NOT_ALLOWED),
        kwargs=_charge,
        post=Post(
            role_page(
                Role.APPLICANT,
                ok=to("vouchers:charge-detail"),
                other_applicant=NOT_FOUND,
            ),
            data=lambda w: {"reason": "数量不对"},
            done=_charge_status("disputed"),
            writers=frozenset(MEMBERS),
        ),
    ),
    # The disputed charge of a Xihu enterprise: the Xihu reviewer decides; a
    # Ningbo reviewer does not know it.
    "vouchers:charge-decide": Spec(
        role_page(Role.REVIEWER, ok=NOT_ALLOWED),
        kwargs=_disputed_charge,
        post=Post(
            role_page(
                Role.REVIEWER,
                ok=to("vouchers:charge-detail"),
                other_reviewer=NOT_FOUND,
            ),
            data=lambda w: {
                "decision": "uphold",
                "reason": "核实用量无误",
                "confirmed": "1",
            },
            done=_charge_status("confirmed", disputed=True),
            writers=frozenset({"reviewer"}),
        ),
    ),
    "vouchers:disputes": Spec(role_page(Role.REVIEWER)),
    # --- public notice: anyone reads it and may object; managers resolve ---
    "vouchers:notices": Spec(everyone(OK)),
    "vouchers:notice-program": Spec(
        everyone(OK), kwargs=lambda w: {"code": w.program.code}
    ),
    # An empty objection: the form again (400), nothing written.
    "vouchers:notice-object": Spec(
        everyone(OK),
        kwargs=lambda w: {"code": w.program.code, "pk": w.objection.notice_id},
        post=Post(everyone(Go(400))),
    ),
    "vouchers:objections": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "vouchers:objection-detail": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR),
        kwargs=lambda w: {"pk": w.objection.pk},
        post=Post(
            role_page(
                Role.PROGRAM_MANAGER,
                Role.AUDITOR,
                ok=to("vouchers:objection-detail"),
                auditor=NOT_FOUND,
            ),
            data=lambda w: {"decision": "dismiss", "reason": "经核查不成立"},
            done=lambda w, client: Objection.objects.filter(
                pk=w.objection.pk, status="dismissed"
            ).exists(),
            writers=frozenset({"program_manager"}),
        ),
    ),
    # The world's objection came without evidence.
    "vouchers:objection-evidence": Spec(
        role_page(Role.PROGRAM_MANAGER, Role.AUDITOR, ok=NOT_FOUND),
        kwargs=lambda w: {"pk": w.objection.pk},
    ),
    # --- reimbursements: the enterprise claims, a Xihu reviewer verifies ---
    "vouchers:reimbursement-new": Spec(
        role_page(Role.APPLICANT, ok=NOT_FOUND),
        kwargs=lambda w: {"code": w.voucher.code},
        post=Post(role_page(Role.APPLICANT, ok=NOT_FOUND)),
    ),
    "vouchers:reimbursements": Spec(role_page(Role.REVIEWER)),
    "vouchers:reimbursement-detail": Spec(
        object_page(ENTERPRISE_READERS), kwargs=_reimbursement
    ),
    "vouchers:reimbursement-decide": Spec(
        role_page(Role.REVIEWER, ok=NOT_ALLOWED),
        kwargs=_reimbursement,
        post=Post(
            role_page(
                Role.REVIEWER,
                ok=to("vouchers:reimbursement-detail"),
                other_reviewer=NOT_FOUND,
            ),
            data=lambda w: {"decision": "verify", "amount": "10.00", "confirmed": "1"},
            done=lambda w, client: Reimbursement.objects.filter(
                pk=w.reimbursement.pk, status="verified"
            ).exists(),
            writers=frozenset({"reviewer"}),
        ),
    ),
    # The world's claim is not verified yet: the payment is refused by the
    # service (the claim's page again, nothing written).
    "vouchers:reimbursements-to-pay": Spec(role_page(Role.PROGRAM_MANAGER)),
    "vouchers:reimbursement-pay": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_reimbursement,
        post=Post(
            role_page(Role.PROGRAM_MANAGER),
            data=lambda w: {
                "reference": "GK-MATRIX-1",
                "paid_on": timezone.localdate().isoformat(),
                "confirmed": "1",
            },
            done=lambda w, client: Reimbursement.objects.filter(
                pk=w.reimbursement.pk, status="paid"
            ).exists(),
        ),
    ),
    # --- lifecycle: the program manager revokes and claws back ---
    "vouchers:voucher-revoke": Spec(
        role_page(Role.PROGRAM_MANAGER),
        kwargs=_voucher,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("vouchers:voucher-detail")),
            data=lambda w: {"reason": "提供虚假材料"},
            done=lambda w, client: Voucher.objects.filter(
                pk=w.voucher.pk, status="revoked"
            ).exists(),
            writers=frozenset({"program_manager"}),
        ),
    ),
    # Nothing was paid out through the world's voucher: a clawback is
    # refused by the service (the form again, nothing written).
    "vouchers:clawback-new": Spec(
        role_page(Role.PROGRAM_MANAGER),
        kwargs=_voucher,
        post=Post(role_page(Role.PROGRAM_MANAGER)),
    ),
    "vouchers:clawbacks": Spec(role_page(Role.PROGRAM_MANAGER, Role.AUDITOR)),
    "vouchers:clawback-detail": Spec(
        object_page(MEMBERS | {"program_manager", "auditor"}), kwargs=_clawback
    ),
    "vouchers:clawback-repayment": Spec(
        role_page(Role.PROGRAM_MANAGER, ok=NOT_ALLOWED),
        kwargs=_clawback,
        post=Post(
            role_page(Role.PROGRAM_MANAGER, ok=to("vouchers:clawback-detail")),
            data=lambda w: {
                "amount": "10.00",
                "paid_on": timezone.localdate().isoformat(),
                "reference": "HK-MATRIX-1",
            },
            done=lambda w, client: Clawback.objects.filter(
                pk=w.clawback.pk, status="repaid"
            ).exists(),
            writers=frozenset({"program_manager"}),
        ),
    ),
    "vouchers-api:statements": Spec(everyone(Go(401))),
    "vouchers-api:statement-detail": Spec(
        everyone(Go(401)), kwargs=lambda w: {"pk": 1}
    ),
    # Bearer keys only: a session (any actor's) is not a key.
    "vouchers-api:voucher-lookup": Spec(
        everyone(Go(401)), post=Post(everyone(Go(401)))
    ),
    "vouchers-api:redemptions": Spec(everyone(Go(401)), post=Post(everyone(Go(401)))),
    "vouchers-api:redemption-detail": Spec(
        everyone(Go(401)), kwargs=lambda w: {"pk": 1}
    ),
    "vouchers-api:redemption-void": Spec(
        everyone(Go(401)), kwargs=lambda w: {"pk": 1}, post=Post(everyone(Go(401)))
    ),
    # --- public: eligibility self-check, API schema and docs ----------------
    "vouchers:self-check": Spec(everyone(OK), post=Post(everyone(OK))),
    "vouchers-api:self-check": Spec(
        everyone(NOT_ALLOWED), post=Post(everyone(Go(415)))
    ),
    "api-schema": Spec(everyone(OK)),
    "api-docs": Spec(everyone(OK)),
    # Anyone holding a report checks it (an empty form: 400, nothing stored).
    "report-verify": Spec(everyone(OK), post=Post(everyone(Go(400)))),
    # --- admin (group "admin": representatives) ------------------------------
    "admin:index": Spec(superuser_only()),
    "admin:accounts_user_changelist": Spec(superuser_only()),
    "admin:enterprises_enterprise_change": Spec(
        superuser_only(), kwargs=lambda w: {"object_id": w.enterprise.pk}
    ),
    # Django's admin login goes through allauth (secure_admin_login): the
    # anonymous are sent to the site's login, signed-in non-staff refused, a
    # superuser sent on to the index.
    "admin:login": Spec(
        everyone(FORBIDDEN) | {ANONYMOUS: LOGIN, "superuser": to("admin:index")}
    ),
}

GROUP_RULES = (
    GroupRule(
        namespace="admin",
        representatives=(
            "admin:index",
            "admin:accounts_user_changelist",
            "admin:enterprises_enterprise_change",
            "admin:login",
        ),
        reason="every admin view goes through admin_view and has_permission "
        "(superusers only); the representatives check that guard",
    ),
)

# (method, URL name, actor) -> what is wrong. Strict xfails: fix the bug, then
# delete the entry.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}

# ---------------------------------------------------------------------------
# Walking the URLconf
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # full namespaced name, None for unnamed patterns
    namespaces: tuple[str, ...]
    route: str
    callback: Callable = field(compare=False)


def walk_urls(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()):
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from walk_urls(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = ":".join((*namespaces, p.name)) if p.name else None
            yield Route(name, namespaces, prefix + str(p.pattern), p.callback)


def _group_of(route: Route) -> GroupRule | None:
    for rule in GROUP_RULES:
        if route.namespaces[:1] == (rule.namespace,):
            return rule
    return None


def all_routes() -> tuple[Route, ...]:
    return tuple(walk_urls())


def test_every_url_has_a_matrix_entry():
    missing = []
    for route in all_routes():
        if route.name in EXPECTED or _group_of(route) is not None:
            continue
        missing.append(f"  {route.name or '<unnamed>'}  ({route.route})")
    assert not missing, (
        "These URLs have no entry in tests/test_permission_matrix.py EXPECTED; "
        "add them to the permission matrix (who may GET/POST them):\n"
        + "\n".join(missing)
    )


def test_matrix_has_no_stale_entries():
    routes = all_routes()
    names = {r.name for r in routes if r.name}
    stale = sorted(set(EXPECTED) - names)
    assert not stale, (
        f"EXPECTED has entries for URL names that no longer exist: {stale}; "
        "remove them from the permission matrix"
    )
    for rule in GROUP_RULES:
        for name in rule.representatives:
            assert name in EXPECTED, f"group {rule.namespace}: {name} has no entry"
            assert name.split(":")[0] == rule.namespace, name
        assert any(_group_of(r) is rule for r in routes), (
            f"group rule {rule.namespace!r} covers no URL any more"
        )


def test_every_entry_answers_for_every_actor():
    for name, spec in EXPECTED.items():
        tables = [("GET", spec.get)] + (
            [("POST", spec.post.answers)] if spec.post else []
        )
        for method, answers in tables:
            assert set(answers) == set(ACTORS), (
                name,
                method,
                set(ACTORS) ^ set(answers),
            )
        if spec.post:
            assert spec.post.writers <= set(ACTORS), name


def test_admin_guard_is_superusers_only():
    """The admin group rule relies on this: without it the representatives
    would not stand for the other admin views."""
    assert admin.site.has_permission.__name__ == "_superuser_only"


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------


def _check(response, expected: Expect, path: str, label: str) -> None:
    if response.streaming:  # reading it to the end closes the file
        b"".join(response.streaming_content)
    assert response.status_code != 500, f"{label}: server error"
    location = response.get("Location", "")
    got = f"{response.status_code}" + (f" -> {location}" if location else "")
    options = [o for o in expected.options if o.status == response.status_code]
    assert options, f"{label}: expected {expected!r}, got {got}"
    problems = []
    for option in options:
        if option.to is None:
            return
        target = urlsplit(location)
        if _view_name(target.path) != option.to:
            problems.append(f"a redirect to {option.to}")
        elif option.next and parse_qs(target.query).get("next") != [path]:
            problems.append(f"a redirect to {option.to} keeping next={path}")
        else:
            return
    raise AssertionError(f"{label}: expected {' or '.join(problems)}, got {got}")


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _client_as(client, world: World, actor: str):
    """Sign the client in as the actor by reusing the actor's session (each
    test rolls back what it did to it, logging out included)."""
    if actor != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    return client


def _cases(method: str, names) -> list:
    cases = []
    for name in names:
        for actor in ACTORS:
            bug = KNOWN_BUGS.get((method, name, actor))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            cases.append(
                pytest.param(name, actor, id=f"{name}-as-{actor}", marks=marks)
            )
    return cases


GET_CASES = _cases("GET", EXPECTED)
POST_CASES = _cases("POST", [n for n, spec in EXPECTED.items() if spec.post])


def test_known_bugs_point_at_matrix_cases():
    for method, name, actor in KNOWN_BUGS:
        assert name in EXPECTED, name
        assert actor in ACTORS, actor
        assert method == "GET" or EXPECTED[name].post, (method, name)


@pytest.mark.parametrize(("name", "actor"), GET_CASES)
def test_get(world, client, name, actor):
    spec = EXPECTED[name]
    path = reverse(name, kwargs=spec.kwargs(world))
    response = _client_as(client, world, actor).get(path)
    _check(response, spec.get[actor], path, f"GET {name} as {actor}")


@pytest.mark.parametrize(("name", "actor"), POST_CASES)
def test_post(world, client, name, actor):
    spec = EXPECTED[name]
    post = spec.post
    assert post is not None
    path = reverse(name, kwargs=spec.kwargs(world))
    label = f"POST {name} as {actor}"
    if post.done is not None:
        assert not post.done(world, client), f"{label}: already done before the POST"
    response = _client_as(client, world, actor).post(path, post.data(world))
    _check(response, post.answers[actor], path, label)
    if post.done is not None:
        if actor in post.writers:
            assert post.done(world, client), f"{label}: the write did not happen"
        else:
            assert not post.done(world, client), (
                f"{label}: answered {response.status_code} but the write happened"
            )


# ---------------------------------------------------------------------------
# Object scoping beyond the table
# ---------------------------------------------------------------------------


MIXED_IDS = [
    # (actor, URL name, kwargs: the actor's own organisation + another's object)
    (
        "other_applicant",
        "enterprises:member-remove",
        lambda w: {
            "pk": w.other_enterprise.pk,
            "membership_pk": w.colleague_membership.pk,
        },
        _member_gone,
    ),
    (
        "other_applicant",
        "enterprises:invitation-revoke",
        lambda w: {"pk": w.other_enterprise.pk, "invitation_pk": w.invitation.pk},
        _invitation_revoked,
    ),
    (
        "other_applicant",
        "enterprises:shareholder-remove",
        lambda w: {"pk": w.other_enterprise.pk, "shareholder_pk": w.shareholder.pk},
        _shareholder_gone,
    ),
    (
        "other_provider_staff",
        "enterprises:offering-withdraw",
        lambda w: {"pk": w.other_provider.pk, "offering_pk": w.offering.pk},
        _offering_withdrawn,
    ),
]


@pytest.mark.parametrize(
    ("actor", "name", "kwargs", "done"),
    [pytest.param(*case, id=f"{case[1]}-as-{case[0]}") for case in MIXED_IDS],
)
def test_own_organisation_pk_does_not_reach_another_organisations_object(
    world, client, actor, name, kwargs, done
):
    """IDOR with mixed ids: the actor's own organisation in the URL, another
    organisation's object after it: 404, and nothing changes."""
    path = reverse(name, kwargs=kwargs(world))
    response = _client_as(client, world, actor).post(path)
    _check(response, NOT_FOUND, path, f"POST {name} as {actor} (mixed ids)")
    assert not done(world, client), f"POST {name} as {actor}: the write happened"


def test_register_lists_only_the_reviewers_region(world, client):
    client.force_login(world.users["reviewer"])
    content = client.get(reverse("enterprises:register")).content.decode()
    assert world.enterprise.uscc in content  # Xihu, the reviewer's district
    assert world.other_enterprise.uscc not in content  # Ningbo


def test_government_user_without_totp_can_reach_the_setup_page(world, client):
    """The TOTP redirect must not loop: the set-up page is not role-guarded."""
    client.force_login(world.users["reviewer_without_mfa"])
    response = client.get(reverse("enterprises:review-home"), follow=True)
    assert response.status_code == 200
    assert all(
        urlsplit(url).path != reverse("enterprises:review-home")
        for url, _ in response.redirect_chain
    )


def test_admin_login_goes_through_allauth(world, client):
    """The admin's own login form must not be a way around allauth (TOTP,
    rate limits, login audit): it should send to the site's login page."""
    response = client.get(reverse("admin:login"))
    _check(response, LOGIN, reverse("admin:login"), "GET admin:login as anonymous")
