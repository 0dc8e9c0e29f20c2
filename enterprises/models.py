from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.roles import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES, Role


class Region(models.Model):
    """An administrative division of Zhejiang (GB/T 2260 code), shipped as data."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")

    code = models.CharField(_("division code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def prefix(self) -> str:
        """The code prefix shared by every division inside this one."""
        return {"province": self.code[:2], "city": self.code[:4]}.get(
            self.level, self.code
        )

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class Department(models.Model):
    """A government unit (经信厅 / 经信局) at province, city or county level."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    region = models.OneToOneField(
        Region,
        on_delete=models.PROTECT,
        related_name="department",
        verbose_name=_("region"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region_id"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def level(self) -> str:
        return self.region.level


class Enterprise(models.Model):
    """An enterprise in the register, identified by its unified social credit code."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Provider(models.Model):
    """A compute or model service provider (算力/模型服务商)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        REMOVED = "removed", _("Removed")

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "applied",
                        "approved",
                        "rejected",
                        "suspended",
                        "removed",
                    ]
                ),
                name="provider_status_valid",
            )
        ]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def of_role(self, *roles):
        return self.filter(role__in=roles)


class Membership(models.Model):
    """A user's role in one organisation: an enterprise, a provider or a department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    # The enterprise's owner may invite and remove colleagues.
    is_owner = models.BooleanField(_("owner"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]),
                name="membership_role_valid",
            ),
            # Exactly the organisation the role belongs to, and no other.
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[r.value for r in ENTERPRISE_ROLES],
                        enterprise__isnull=False,
                        provider__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=[r.value for r in PROVIDER_ROLES],
                        enterprise__isnull=True,
                        provider__isnull=False,
                        department__isnull=True,
                        is_owner=False,
                    )
                    | Q(
                        role__in=[r.value for r in DEPARTMENT_ROLES],
                        enterprise__isnull=True,
                        provider__isnull=True,
                        department__isnull=False,
                        is_owner=False,
                    )
                ),
                name="membership_organisation_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=Q(enterprise__isnull=False),
                name="membership_unique_user_enterprise",
            ),
            models.UniqueConstraint(
                fields=["user", "provider"],
                condition=Q(provider__isnull=False),
                name="membership_unique_user_provider",
            ),
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=Q(department__isnull=False),
                name="membership_unique_user_department_role",
            ),
            # One owner per enterprise.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_owner=True),
                name="membership_one_owner_per_enterprise",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def organisation(self):
        return self.enterprise or self.provider or self.department


class Invitation(models.Model):
    """An enterprise owner's invitation of a colleague, by e-mail address."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    # Only a hash of the token is stored; the token itself is in the e-mail.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.enterprise}"
