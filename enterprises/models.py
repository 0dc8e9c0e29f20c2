from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.roles import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES, Role
from config.money import MONEY


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


class SizeClass(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Enterprise(models.Model):
    """An enterprise in the register, identified by its unified social credit code.

    Money is yuan (Decimal, two places). The size class is derived from the
    latest fiscal year's figures by ``enterprises.sme`` and stored with the
    inputs and the standard version that gave it (``size_basis``).
    """

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(
        _("legal representative"), max_length=50, blank=True
    )
    registered_address = models.CharField(
        _("registered address"), max_length=255, blank=True
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    # GB/T 4754-2017: section letter + 2-digit division, or the 4-digit class.
    industry_code = models.CharField(_("industry code"), max_length=5, blank=True)
    established_on = models.DateField(_("date of establishment"), null=True, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    revenue = models.DecimalField(
        _("operating revenue (yuan)"), null=True, blank=True, **MONEY
    )
    total_assets = models.DecimalField(
        _("total assets (yuan)"), null=True, blank=True, **MONEY
    )
    industry_group = models.CharField(_("industry group"), max_length=32, blank=True)
    size_class = models.CharField(
        _("size class"), max_length=10, choices=SizeClass.choices, blank=True
    )
    size_standard = models.CharField(_("size standard"), max_length=32, blank=True)
    # {"inputs": {...}, "steps": [...]} as returned by enterprises.sme.classify
    size_basis = models.JSONField(_("size class basis"), null=True, blank=True)
    size_computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue__gte=0) | Q(revenue__isnull=True),
                name="enterprise_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_assets__gte=0) | Q(total_assets__isnull=True),
                name="enterprise_assets_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(size_class__in=["", *SizeClass.values]),
                name="enterprise_size_class_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["size_class"]),
            models.Index(fields=["industry_group"]),
        ]

    def __str__(self):
        return self.name


class Shareholder(models.Model):
    """A shareholder, for related-party checks. The ID number is never stored:
    only a keyed hash (to compare) and a masked form (to show)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="shareholders"
    )
    name = models.CharField(_("name"), max_length=200)
    id_number_hash = models.CharField(max_length=64, db_index=True, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Document(models.Model):
    """An uploaded file (PDF, JPEG or PNG, checked by content), stored under a
    generated name outside the static root and served only through a view
    that checks permission."""

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("Business licence")
        INVESTMENT_EVIDENCE = "investment_evidence", _("Investment evidence")
        PROVIDER_LICENCE = "provider_licence", _("Provider business licence")
        CONTRACT = "contract", _("Contract")
        QUOTE = "quote", _("Quote or order")
        PAYMENT_PROOF = "payment_proof", _("Proof of payment")
        COMMITMENT = "commitment", _("Signed no-related-party commitment")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    provider = models.ForeignKey(
        "Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class EnterpriseClaim(models.Model):
    """An applicant's claim to be an enterprise's owner, decided by a reviewer
    of the enterprise's region on the strength of the business licence."""

    Status = ClaimStatus

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="claims"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enterprise_claims",
    )
    licence = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("enterprise claim")
        verbose_name_plural = _("enterprise claims")
        ordering = ["created_at"]
        constraints = [
            # The first claimant is reviewed first: one open claim at a time.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_enterprise",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values),
                name="claim_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.claimant} → {self.enterprise}"


class InvestmentDeclaration(models.Model):
    """IT (信息化) investment of one year and, of it, AI investment, in yuan.

    Corrections never overwrite: a new version is inserted and the previous one
    marked superseded, so the history is kept.
    """

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="declarations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    it_amount = models.DecimalField(_("IT investment (yuan)"), **MONEY)
    ai_amount = models.DecimalField(_("of which AI (yuan)"), **MONEY)
    note = models.CharField(_("note"), max_length=500, blank=True)
    evidence = models.ManyToManyField(Document, blank=True, related_name="+")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("investment declaration")
        verbose_name_plural = _("investment declarations")
        ordering = ["year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "version"],
                name="declaration_version_unique",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(superseded_at__isnull=True),
                name="declaration_one_current_per_year",
            ),
            models.CheckConstraint(
                condition=Q(it_amount__gte=0) & Q(ai_amount__gte=0),
                name="declaration_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ai_amount__lte=models.F("it_amount")),
                name="declaration_ai_within_it",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="declaration_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year} v{self.version}"


class DishonestEntity(models.Model):
    """An entry of the list of seriously dishonest entities (严重失信主体名单)."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, db_index=True
    )
    name = models.CharField(_("name"), max_length=200)
    listed_on = models.DateField(_("listed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    authority = models.CharField(_("listing authority"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dishonest entity")
        verbose_name_plural = _("dishonest entities")
        ordering = ["-listed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc", "listed_on"], name="dishonest_entry_unique"
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True)
                | Q(removed_on__gte=models.F("listed_on")),
                name="dishonest_removed_after_listed",
            ),
        ]

    def __str__(self):
        return f"{self.uscc} {self.name}"


class GenAIFiling(models.Model):
    """An entry of the published list of filed generative-AI services
    (生成式人工智能服务已备案信息), imported from CSV
    (``services.filing_list_import``). A model offering whose filing number
    is not here, or is here revoked, is flagged and cannot be charged."""

    filing_number = models.CharField(_("filing number"), max_length=100)
    # ``filings.filing_key``: the number upper-case, as two spellings meet.
    number_key = models.CharField(max_length=100, unique=True)
    model_name = models.CharField(_("model name"), max_length=200)
    filer_name = models.CharField(_("filed by"), max_length=200, blank=True)
    region = models.CharField(_("filed in (province)"), max_length=50, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("filed generative-AI service")
        verbose_name_plural = _("filed generative-AI services")
        ordering = ["filing_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True)
                | Q(filed_on__isnull=True)
                | Q(revoked_on__gte=models.F("filed_on")),
                name="genai_filing_revoked_after_filed",
            ),
        ]

    def __str__(self):
        return f"{self.filing_number} {self.model_name}"


class ProviderStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed")


class ProviderFacility(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic compute facility")
    OTHER = "other", _("Other compute facility")


class Provider(models.Model):
    """A compute or model service provider (算力/模型服务商), onboarded by its own
    staff and approved by a program manager. Only approved providers appear in
    pickers and may charge vouchers."""

    Status = ProviderStatus
    Facility = ProviderFacility

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(
        _("legal representative"), max_length=50, blank=True
    )
    registered_address = models.CharField(
        _("registered address"), max_length=255, blank=True
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    offers_compute = models.BooleanField(_("compute services"), default=False)
    offers_model = models.BooleanField(_("model services"), default=False)
    # For compute: some programs pay different rates by facility type.
    facility = models.CharField(
        _("compute facility"), max_length=10, choices=Facility.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.APPLIED
    )
    status_reason = models.TextField(_("reason of the last decision"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProviderStatus.values),
                name="provider_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(offers_compute=True) | Q(offers_model=True),
                name="provider_offers_something",
            ),
            models.CheckConstraint(
                condition=Q(offers_compute=False, facility="")
                | Q(offers_compute=True, facility__in=ProviderFacility.values),
                name="provider_facility_for_compute",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def kinds_display(self) -> str:
        kinds = []
        if self.offers_compute:
            kinds.append(str(_("compute")))
        if self.offers_model:
            kinds.append(str(_("model")))
        return " + ".join(kinds)


def unit_label(unit: str, other: str = "") -> str:
    """An offering's unit in the reader's language: the label of its code,
    or the provider's own words for "other" (and any text that is not a
    code, as charges stored before codes were)."""
    if unit == Offering.Unit.OTHER:
        return other
    if unit in Offering.Unit.values:
        return str(Offering.Unit(unit).label)
    return unit


class Offering(models.Model):
    """A service a provider sells at a list price."""

    class Kind(models.TextChoices):
        COMPUTE = "compute", _("Compute")
        MODEL = "model", _("Model")

    class Unit(models.TextChoices):
        GPU_CARD_HOUR = "gpu_card_hour", _("GPU card-hour")
        THOUSAND_TOKENS = "thousand_tokens", _("1,000 tokens")
        API_CALL = "api_call", _("API call")
        DEPLOYMENT_MONTH = "deployment_month", _("Month of deployment")
        OTHER = "other", _("Other")

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="offerings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    unit_other = models.CharField(_("unit (if other)"), max_length=50, blank=True)
    list_price = models.DecimalField(
        _("list price (yuan per unit)"), max_digits=14, decimal_places=4
    )
    model_name = models.CharField(_("model name"), max_length=200, blank=True)
    # Cyberspace Administration filing number (网信办备案号), required for models.
    filing_number = models.CharField(_("CAC filing number"), max_length=100, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not stored: where the filing number stands on the imported filing list,
    # set for the pages by selectors.offerings_with_filing_status.
    filing_status: str = ""
    filing_status_label: str = ""

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["provider_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gt=0), name="offering_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind="compute")
                | (Q(kind="model") & ~Q(model_name="") & ~Q(filing_number="")),
                name="offering_model_is_filed",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def unit_label(self) -> str:
        return unit_label(self.unit, self.unit_other)


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
                        role__in=sorted(ENTERPRISE_ROLES),
                        enterprise__isnull=False,
                        provider__isnull=True,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=sorted(PROVIDER_ROLES),
                        enterprise__isnull=True,
                        provider__isnull=False,
                        department__isnull=True,
                        is_owner=False,
                    )
                    | Q(
                        role__in=sorted(DEPARTMENT_ROLES),
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
