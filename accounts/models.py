from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address.

    What a user may do comes from memberships in organisations
    (``enterprises.Membership``), not from Django groups; ``is_staff`` and
    ``is_superuser`` only open Django admin, for superusers.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # A contact phone, given at sign-up; shown masked (enterprises.pii).
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may open Django admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name()

    def get_full_name(self):
        """How pages name a person as the one who did something (created a
        version, proposed a change, declared, claimed): the name, else the
        e-mail address. Lists of users, where the address is the point,
        show the address."""
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email.split("@")[0]


class Consent(models.Model):
    """That a user accepted a version of the user agreement or the privacy
    notice (PIPL art. 14: consent given knowingly, to a stated notice), and
    when and from where. A new version is accepted anew; rows are never
    changed."""

    class Document(models.TextChoices):
        TERMS = "terms", _("User agreement")
        PRIVACY = "privacy", _("Privacy notice")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents"
    )
    document = models.CharField(_("document"), max_length=10, choices=Document.choices)
    version = models.CharField(_("version"), max_length=20)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="consent_once_per_version"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.document} {self.version}"
