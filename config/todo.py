"""What each signed-in user has to do next, for the home page.

One function per role reads that role's queues through the apps' own
selectors (the same querysets their list pages show, so a count here is the
count there) and answers a list of ``Todo``: what, how many or how much,
since when, and the link to the page where it is done. Nothing here
decides anything; an empty list means nothing waits for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import Role
from config.formats import day
from config.money import yuan
from enterprises.models import Provider

# A voucher whose expiry is this close is shown as urgent (the first
# reminder goes out at 30 days, vouchers.lifecycle).
EXPIRY_WARNING_DAYS = 30
# At most this many single items (drafts, vouchers, ...) of one kind; the
# rest are behind the "all" link of their list.
ITEMS_MAX = 5


@dataclass(frozen=True)
class Todo:
    text: str
    url: str
    figure: str = ""
    since: str = ""
    urgent: bool = False
    kind: str = ""


def _waiting_since(moment: datetime | None, today: date) -> str:
    if moment is None:
        return ""
    days = (today - timezone.localtime(moment).date()).days
    if days <= 0:
        return _("oldest waiting since today")
    return ngettext(
        "oldest waiting since %(day)s (%(n)d day)",
        "oldest waiting since %(day)s (%(n)d days)",
        days,
    ) % {"day": day(moment), "n": days}


# -- enterprises (applicants) ---------------------------------------------------


def applicant_todos(user: User, today: date | None = None) -> list[Todo]:
    from enterprises.models import EnterpriseClaim
    from vouchers.applications.selectors import applications_of_member
    from vouchers.issuance.selectors import voucher_list_for_member
    from vouchers.models import Application, Clawback, Redemption, Voucher

    today = today or timezone.localdate()
    todos: list[Todo] = []
    S = Application.Status
    for claim in EnterpriseClaim.objects.filter(
        claimant=user, status=EnterpriseClaim.Status.PENDING
    ).select_related("enterprise")[:ITEMS_MAX]:
        todos.append(
            Todo(
                _(
                    "Your claim of %(name)s waits for the district's reviewer; "
                    "you are told by e-mail when it is decided."
                )
                % {"name": claim.enterprise.name},
                reverse("enterprises:mine"),
                since=_("submitted on %(day)s") % {"day": day(claim.created_at)},
                kind="claim",
            )
        )
    mine = applications_of_member(user=user).select_related("program", "enterprise")
    for app in mine.filter(status=S.RETURNED).order_by("updated_at")[:ITEMS_MAX]:
        todos.append(
            Todo(
                _(
                    "%(number)s was returned for correction: correct it and submit again."
                )
                % {"number": app},
                reverse("applications:detail", args=[app.pk]),
                since=_("returned on %(day)s") % {"day": day(app.updated_at)},
                urgent=True,
                kind="returned",
            )
        )
    for app in mine.filter(status=S.DRAFT).order_by("-updated_at")[:ITEMS_MAX]:
        todos.append(
            Todo(
                _("Your draft for %(program)s is not submitted yet.")
                % {"program": app.program.name},
                reverse("applications:detail", args=[app.pk]),
                since=_("last saved on %(day)s") % {"day": day(app.updated_at)},
                kind="draft",
            )
        )
    pending = (
        Redemption.objects.filter(
            voucher__in=voucher_list_for_member(user=user).values("pk"),
            status=Redemption.Status.PENDING,
        )
        .values("voucher__code")
        .annotate(n=Count("pk"), by=Min("confirm_by"))
        .order_by("by")
    )
    for row in pending[:ITEMS_MAX]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d charge on voucher %(code)s waits for your confirmation.",
                    "%(n)d charges on voucher %(code)s wait for your confirmation.",
                    row["n"],
                )
                % {"n": row["n"], "code": row["voucher__code"]},
                reverse("vouchers:voucher-detail", args=[row["voucher__code"]]),
                since=_("confirmed by themselves from %(day)s unless you dispute them")
                % {"day": day(row["by"])},
                urgent=True,
                kind="charges",
            )
        )
    active = voucher_list_for_member(user=user).filter(
        status=Voucher.Status.ACTIVE, expires_on__gte=today
    )
    for v in active.order_by("expires_on")[:ITEMS_MAX]:
        days = (v.expires_on - today).days
        balance = v.balance  # type: ignore[attr-defined]  # with_balances
        todos.append(
            Todo(
                _("Voucher %(code)s of %(program)s: %(left)s yuan left to spend.")
                % {"code": v.code, "program": v.program.name, "left": yuan(balance)},
                reverse("vouchers:voucher-detail", args=[v.code]),
                figure=yuan(balance),
                since=ngettext(
                    "expires on %(day)s (in %(n)d day)",
                    "expires on %(day)s (in %(n)d days)",
                    days,
                )
                % {"day": day(v.expires_on), "n": days},
                urgent=days <= EXPIRY_WARNING_DAYS and balance > 0,
                kind="voucher",
            )
        )
    for c in Clawback.objects.filter(
        enterprise__memberships__user=user,
        enterprise__memberships__role=Role.APPLICANT,
        status=Clawback.Status.OPEN,
    ).order_by("due_on")[:ITEMS_MAX]:
        todos.append(
            Todo(
                _("A clawback of %(amount)s yuan is due.") % {"amount": yuan(c.amount)},
                reverse("vouchers:clawback-detail", args=[c.pk]),
                since=_("due on %(day)s") % {"day": day(c.due_on)},
                urgent=True,
                kind="clawback",
            )
        )
    return todos


# -- providers -----------------------------------------------------------------


def provider_todos(user: User, provider: Provider) -> list[Todo]:
    from vouchers.models import Redemption, Statement

    if provider.status != Provider.Status.APPROVED:
        return [
            Todo(
                _(
                    "The registration of %(name)s is %(status)s: charges can be made "
                    "once the department approves it."
                )
                % {"name": provider.name, "status": provider.get_status_display()},
                reverse("enterprises:provider-mine"),
                kind="provider",
            )
        ]
    todos: list[Todo] = []
    counts = dict(
        Redemption.objects.filter(
            provider=provider,
            status__in=[Redemption.Status.PENDING, Redemption.Status.DISPUTED],
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    charges = reverse("vouchers:charges", args=[provider.pk])
    if counts.get(Redemption.Status.DISPUTED):
        n = counts[Redemption.Status.DISPUTED]
        todos.append(
            Todo(
                ngettext(
                    "%(n)d charge is disputed by its customer; a reviewer decides it.",
                    "%(n)d charges are disputed by their customers; a reviewer decides them.",
                    n,
                )
                % {"n": n},
                f"{charges}?status=disputed",
                figure=str(n),
                urgent=True,
                kind="disputed",
            )
        )
    if counts.get(Redemption.Status.PENDING):
        n = counts[Redemption.Status.PENDING]
        todos.append(
            Todo(
                ngettext(
                    "%(n)d charge waits for its customer's confirmation.",
                    "%(n)d charges wait for their customers' confirmation.",
                    n,
                )
                % {"n": n},
                f"{charges}?status=pending",
                figure=str(n),
                kind="pending",
            )
        )
    for st in Statement.objects.filter(
        provider=provider, status=Statement.Status.OPEN
    ).order_by("period_start")[:ITEMS_MAX]:
        todos.append(
            Todo(
                _(
                    "Statement %(number)s (%(total)s yuan): reconcile it with your "
                    "records and submit it."
                )
                % {"number": st.number, "total": yuan(st.total)},
                reverse("vouchers:statement-detail", args=[st.pk]),
                since=_("for %(start)s – %(end)s")
                % {"start": day(st.period_start), "end": day(st.period_end)},
                urgent=bool(st.return_reason),
                kind="statement",
            )
        )
    return todos


# -- the department -----------------------------------------------------------


def reviewer_todos(user: User, today: date | None = None) -> list[Todo]:
    from enterprises.models import EnterpriseClaim
    from enterprises.selectors import claim_queue
    from vouchers.redemption.selectors import dispute_queue
    from vouchers.reimbursement.selectors import verify_queue
    from vouchers.review.selectors import review_queue

    today = today or timezone.localdate()
    todos: list[Todo] = []
    queue = review_queue(user=user).aggregate(n=Count("pk"), since=Min("submitted_at"))
    todos.append(
        Todo(
            ngettext(
                "%(n)d application waits in your review queue.",
                "%(n)d applications wait in your review queue.",
                queue["n"],
            )
            % {"n": queue["n"]},
            reverse("review:queue"),
            figure=str(queue["n"]),
            since=_waiting_since(queue["since"], today),
            urgent=bool(queue["n"]),
            kind="applications",
        )
    )
    claims = (
        claim_queue(user=user)
        .filter(status=EnterpriseClaim.Status.PENDING)
        .aggregate(n=Count("pk"), since=Min("created_at"))
    )
    if claims["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d claim of an enterprise (its owner's business licence) waits for you.",
                    "%(n)d claims of enterprises (their owners' business licences) wait for you.",
                    claims["n"],
                )
                % {"n": claims["n"]},
                reverse("enterprises:claim-queue"),
                figure=str(claims["n"]),
                since=_waiting_since(claims["since"], today),
                kind="claims",
            )
        )
    disputes = dispute_queue(user).aggregate(n=Count("pk"), since=Min("decided_at"))
    if disputes["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d disputed charge waits for your decision.",
                    "%(n)d disputed charges wait for your decision.",
                    disputes["n"],
                )
                % {"n": disputes["n"]},
                reverse("vouchers:disputes"),
                figure=str(disputes["n"]),
                since=_waiting_since(disputes["since"], today),
                urgent=True,
                kind="disputes",
            )
        )
    claims_paid = verify_queue(user).aggregate(n=Count("pk"), since=Min("created_at"))
    if claims_paid["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d reimbursement waits for verification.",
                    "%(n)d reimbursements wait for verification.",
                    claims_paid["n"],
                )
                % {"n": claims_paid["n"]},
                reverse("vouchers:reimbursements"),
                figure=str(claims_paid["n"]),
                since=_waiting_since(claims_paid["since"], today),
                kind="reimbursements",
            )
        )
    return todos


def manager_todos(user: User, today: date | None = None) -> list[Todo]:
    from vouchers.lifecycle.selectors import clawback_list
    from vouchers.models import Statement
    from vouchers.notice.selectors import open_objections
    from vouchers.programs.selectors import program_changes_to_decide
    from vouchers.reimbursement.selectors import pay_queue
    from vouchers.review.selectors import review_queue

    today = today or timezone.localdate()
    todos: list[Todo] = []
    finals = review_queue(user=user).aggregate(n=Count("pk"), since=Min("submitted_at"))
    if finals["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d application waits for a final decision.",
                    "%(n)d applications wait for a final decision.",
                    finals["n"],
                )
                % {"n": finals["n"]},
                reverse("review:queue"),
                figure=str(finals["n"]),
                since=_waiting_since(finals["since"], today),
                kind="applications",
            )
        )
    statements = dict(
        Statement.objects.filter(
            status__in=[Statement.Status.SUBMITTED, Statement.Status.APPROVED]
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    queue = reverse("vouchers:statement-queue")
    submitted = statements.get(Statement.Status.SUBMITTED, 0)
    if submitted:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d statement waits for approval.",
                    "%(n)d statements wait for approval.",
                    submitted,
                )
                % {"n": submitted},
                f"{queue}?status={Statement.Status.SUBMITTED}",
                figure=str(submitted),
                kind="statements-submitted",
            )
        )
    approved = statements.get(Statement.Status.APPROVED, 0)
    if approved:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d approved statement waits for its payment to be recorded.",
                    "%(n)d approved statements wait for their payments to be recorded.",
                    approved,
                )
                % {"n": approved},
                f"{queue}?status={Statement.Status.APPROVED}",
                figure=str(approved),
                kind="statements-approved",
            )
        )
    to_pay = pay_queue().count()
    if to_pay:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d verified reimbursement waits for payment.",
                    "%(n)d verified reimbursements wait for payment.",
                    to_pay,
                )
                % {"n": to_pay},
                reverse("vouchers:reimbursements-to-pay"),
                figure=str(to_pay),
                kind="reimbursements",
            )
        )
    objections = open_objections().aggregate(n=Count("pk"), since=Min("created_at"))
    if objections["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d objection to an application in public notice waits for "
                    "your decision; its voucher waits with it.",
                    "%(n)d objections to applications in public notice wait for "
                    "your decision; their vouchers wait with them.",
                    objections["n"],
                )
                % {"n": objections["n"]},
                f"{reverse('vouchers:objections')}?status=open",
                figure=str(objections["n"]),
                since=_waiting_since(objections["since"], today),
                urgent=True,
                kind="objections",
            )
        )
    changes = list(program_changes_to_decide(user)[:ITEMS_MAX])
    for change in changes[:ITEMS_MAX]:
        todos.append(
            Todo(
                _(
                    "Change #%(n)s of %(program)s, proposed by %(who)s on %(day)s, waits for your approval."
                )
                % {
                    "n": change.pk,
                    "program": change.program.code,
                    "who": change.proposed_by.get_full_name(),
                    "day": day(change.proposed_at),
                },
                reverse("programs:change", args=[change.program.code, change.pk]),
                kind="program-changes",
            )
        )
    providers = Provider.objects.filter(status=Provider.Status.APPLIED).count()
    if providers:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d provider waits for approval.",
                    "%(n)d providers wait for approval.",
                    providers,
                )
                % {"n": providers},
                f"{reverse('enterprises:provider-review')}?status=applied",
                figure=str(providers),
                kind="providers",
            )
        )
    overdue = clawback_list(overdue=True).count()
    if overdue:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d clawback is overdue.",
                    "%(n)d clawbacks are overdue.",
                    overdue,
                )
                % {"n": overdue},
                f"{reverse('vouchers:clawbacks')}?overdue=1",
                figure=str(overdue),
                urgent=True,
                kind="clawbacks",
            )
        )
    return todos


def auditor_todos(user: User) -> list[Todo]:
    from audits.models import ChainVerification, Flag

    todos: list[Todo] = []
    open_flags = Flag.objects.filter(status=Flag.Status.OPEN).aggregate(
        n=Count("pk"), since=Min("raised_at")
    )
    if open_flags["n"]:
        todos.append(
            Todo(
                ngettext(
                    "%(n)d anomaly flag waits for triage.",
                    "%(n)d anomaly flags wait for triage.",
                    open_flags["n"],
                )
                % {"n": open_flags["n"]},
                f"{reverse('audits:flag-list')}?status=open",
                figure=str(open_flags["n"]),
                since=_waiting_since(open_flags["since"], timezone.localdate()),
                kind="flags",
            )
        )
    last = (
        ChainVerification.objects.exclude(finished_at=None)
        .order_by("-finished_at")
        .first()
    )
    todos.append(
        Todo(
            _("Check the audit trail's chain: it has never been checked.")
            if last is None
            else _("The audit trail's chain was last checked on %(day)s: %(result)s.")
            % {"day": day(last.finished_at), "result": last.get_status_display()},
            reverse("audits:chain"),
            urgent=last is None or last.status != ChainVerification.Status.INTACT,
            kind="chain",
        )
    )
    return todos


def todos_for(user: User) -> list[dict]:
    """The user's sections: one per role (per organisation for applicants'
    enterprises and providers' staff), each with its to-dos."""
    memberships = list(
        user.memberships.select_related(
            "enterprise", "provider", "department__region"
        ).order_by("role", "id")
    )
    sections: list[dict] = []
    roles = {m.role for m in memberships}
    if Role.APPLICANT in roles:
        sections.append(
            {
                "role": Role.APPLICANT,
                "title": _("Your enterprises"),
                "organisations": [
                    m.enterprise for m in memberships if m.role == Role.APPLICANT
                ],
                "todos": applicant_todos(user),
            }
        )
    for m in memberships:
        if m.role == Role.PROVIDER_STAFF:
            sections.append(
                {
                    "role": m.role,
                    "title": m.provider.name,
                    "provider": m.provider,
                    "todos": provider_todos(user, m.provider),
                }
            )
    if Role.REVIEWER in roles:
        sections.append(
            {
                "role": Role.REVIEWER,
                "title": _("Review"),
                "regions": [
                    m.department.region for m in memberships if m.role == Role.REVIEWER
                ],
                "todos": reviewer_todos(user),
            }
        )
    if Role.PROGRAM_MANAGER in roles:
        sections.append(
            {
                "role": Role.PROGRAM_MANAGER,
                "title": _("Program office"),
                "todos": manager_todos(user),
            }
        )
    if Role.AUDITOR in roles:
        sections.append(
            {"role": Role.AUDITOR, "title": _("Audit"), "todos": auditor_todos(user)}
        )
    for section in sections:  # most urgent first, otherwise as listed
        section["todos"].sort(key=lambda t: not t.urgent)
    return sections
