from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import user_roles
from .roles import Role

# Menu groups: a role that sees more than NAV_FLAT_MAX items gets them in
# groups (a group of one stays a plain item), so its menu keeps to a line.
REVIEW, REGISTER, PROGRAMS, MONEY, AUDIT = (
    "review",
    "register",
    "programs",
    "money",
    "audit",
)
NAV_GROUPS = {
    REVIEW: _("Review"),
    REGISTER: _("Registers"),
    PROGRAMS: _("Programs and dashboard"),
    MONEY: _("Payments"),
    AUDIT: _("Audit"),
}
NAV_FLAT_MAX = 8
GOVERNMENT = {Role.PROGRAM_MANAGER, Role.AUDITOR}

# (label, url name, roles that see it, group); the first match is the
# role's home.
NAVIGATION = [
    (_("My enterprises"), "enterprises:mine", {Role.APPLICANT}, None),
    (_("My applications"), "applications:list", {Role.APPLICANT}, None),
    (_("My vouchers"), "vouchers:voucher-list", {Role.APPLICANT}, None),
    (_("My provider"), "enterprises:provider-mine", {Role.PROVIDER_STAFF}, None),
    # Two desks, named by what waits there: an enterprise's claim (its
    # owner's business licence) and a voucher application.
    (_("Claims to review"), "enterprises:review-home", {Role.REVIEWER}, REVIEW),
    (
        _("Applications to review"),
        "review:queue",
        {Role.REVIEWER, Role.PROGRAM_MANAGER},
        REVIEW,
    ),
    (_("Disputed charges"), "vouchers:disputes", {Role.REVIEWER}, REVIEW),
    (_("Objections"), "vouchers:objections", GOVERNMENT, REVIEW),
    (
        _("Reimbursements to verify"),
        "vouchers:reimbursements",
        {Role.REVIEWER},
        REVIEW,
    ),
    (
        _("Enterprise register"),
        "enterprises:register",
        {Role.REVIEWER, *GOVERNMENT},
        REGISTER,
    ),
    (_("Providers"), "enterprises:provider-review", GOVERNMENT, REGISTER),
    (_("Programs"), "programs:list", {Role.REVIEWER, *GOVERNMENT}, PROGRAMS),
    (_("Dashboard"), "audits:dashboard", GOVERNMENT, PROGRAMS),
    (_("Statements"), "vouchers:statement-queue", GOVERNMENT, MONEY),
    (
        _("Reimbursements to pay"),
        "vouchers:reimbursements-to-pay",
        {Role.PROGRAM_MANAGER},
        MONEY,
    ),
    (_("Clawbacks"), "vouchers:clawbacks", GOVERNMENT, MONEY),
    (_("Staff and roles"), "enterprises:staff", {Role.PROGRAM_MANAGER}, None),
    (_("Records"), "audits:records-home", GOVERNMENT, AUDIT),
    (_("Audit trail"), "audits:event-list", GOVERNMENT, AUDIT),
    (_("Audit chain"), "audits:chain", GOVERNMENT, AUDIT),
    (_("Anomaly flags"), "audits:flag-list", GOVERNMENT, AUDIT),
    (_("Audit reports"), "audits:report-list", GOVERNMENT, AUDIT),
]


def _grouped(items: list[dict]) -> list[dict]:
    """The items in their groups, each group where its first item was; a
    group of one stays a plain item."""
    members: dict[str, list[dict]] = {}
    for item in items:
        if item["group"]:
            members.setdefault(item["group"], []).append(item)
    entries: list[dict] = []
    for item in items:
        group = item["group"]
        if not group or len(members[group]) == 1:
            entries.append(item)
        elif members[group][0] is item:
            entries.append(
                {
                    "label": NAV_GROUPS[group],
                    "children": members[group],
                    "active": any(i["active"] for i in members[group]),
                }
            )
    return entries


def navigation(request):
    roles = user_roles(getattr(request, "user", None))
    items = []
    path = request.path
    for label, url_name, allowed, group in NAVIGATION:
        if roles & allowed:
            items.append(
                {
                    "label": label,
                    "url": reverse(url_name),
                    "active": False,
                    "group": group,
                }
            )
    # The current page belongs to the item with the longest matching prefix.
    matching = [i for i in items if path.startswith(i["url"])]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    grouped = len(items) > NAV_FLAT_MAX
    return {
        "nav_items": _grouped(items) if grouped else items,
        # the menu's script (static/js/nav.js) is loaded only for groups
        "nav_grouped": grouped,
        "user_roles": roles,
        "SITE_NAME": settings.SITE_NAME,
        "SUPPORT_CONTACT": settings.SUPPORT_CONTACT,
    }
