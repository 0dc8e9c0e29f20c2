from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import user_roles
from .roles import Role

# (label, url name, roles that see it); the first match is the role's home.
NAVIGATION = [
    (_("My enterprises"), "enterprises:mine", {Role.APPLICANT}),
    (_("My applications"), "applications:list", {Role.APPLICANT}),
    (_("My vouchers"), "vouchers:voucher-list", {Role.APPLICANT}),
    (_("My provider"), "enterprises:provider-mine", {Role.PROVIDER_STAFF}),
    # Two desks, named by what waits there: an enterprise's claim (its
    # owner's business licence) and a voucher application.
    (_("Claims to review"), "enterprises:review-home", {Role.REVIEWER}),
    (
        _("Applications to review"),
        "review:queue",
        {Role.REVIEWER, Role.PROGRAM_MANAGER},
    ),
    (_("Disputed charges"), "vouchers:disputes", {Role.REVIEWER}),
    (_("Reimbursements to verify"), "vouchers:reimbursements", {Role.REVIEWER}),
    (
        _("Enterprise register"),
        "enterprises:register",
        {Role.REVIEWER, Role.PROGRAM_MANAGER, Role.AUDITOR},
    ),
    (
        _("Providers"),
        "enterprises:provider-review",
        {Role.PROGRAM_MANAGER, Role.AUDITOR},
    ),
    (
        _("Programs"),
        "programs:list",
        {Role.PROGRAM_MANAGER, Role.AUDITOR, Role.REVIEWER},
    ),
    (
        _("Statements"),
        "vouchers:statement-queue",
        {Role.PROGRAM_MANAGER, Role.AUDITOR},
    ),
    (
        _("Reimbursements to pay"),
        "vouchers:reimbursements-to-pay",
        {Role.PROGRAM_MANAGER},
    ),
    (
        _("Clawbacks"),
        "vouchers:clawbacks",
        {Role.PROGRAM_MANAGER, Role.AUDITOR},
    ),
    (_("Staff and roles"), "enterprises:staff", {Role.PROGRAM_MANAGER}),
    (_("Dashboard"), "audits:dashboard", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
    (_("Records"), "audits:records-home", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
    (_("Audit trail"), "audits:event-list", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
    (_("Audit chain"), "audits:chain", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
    (_("Anomaly flags"), "audits:flag-list", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
    (_("Audit reports"), "audits:report-list", {Role.PROGRAM_MANAGER, Role.AUDITOR}),
]


def navigation(request):
    roles = user_roles(getattr(request, "user", None))
    items = []
    path = request.path
    for label, url_name, allowed in NAVIGATION:
        if roles & allowed:
            items.append({"label": label, "url": reverse(url_name), "active": False})
    # The current page belongs to the item with the longest matching prefix.
    matching = [i for i in items if path.startswith(i["url"])]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return {
        "nav_items": items,
        "user_roles": roles,
        "SITE_NAME": settings.SITE_NAME,
        "SUPPORT_CONTACT": settings.SUPPORT_CONTACT,
    }
