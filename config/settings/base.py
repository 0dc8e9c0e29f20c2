"""Settings shared by every profile. Values come from the environment.

Profiles: ``local`` (the demo, no environment needed), ``test`` (PostgreSQL
and Redis given by the environment) and ``production`` (HTTPS, secure
cookies, HSTS). Django's own variables carry a ``DJANGO_`` prefix.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# GENERAL
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="insecure-demo-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# How many proxies in front of the application append to X-Forwarded-For
# (docker/compose.yaml: 1, the host's TLS proxy). The client address of the
# login rate limits, the API throttles and the audit trail is the right-most
# hop none of them wrote (config.client_ip); with 0, REMOTE_ADDR, and the
# header, which any client can write, is ignored.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if "DJANGO_USE_X_FORWARDED_FOR" in env.ENVIRON:
    raise ImproperlyConfigured(
        "DJANGO_USE_X_FORWARDED_FOR is gone: it trusted the first X-Forwarded-For "
        "hop, which the client writes. Set DJANGO_TRUSTED_PROXY_COUNT to the "
        "number of proxies in front of the application instead (README, "
        "production section)."
    )
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1

# I18N: Chinese first, English second; times stored in UTC, shown in Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# DATABASES
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    )
}
# Services open their own transactions; a request is atomic too, so that flows
# run by libraries (allauth sign-up, login) commit with their audit events.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Connections are kept between requests (each thread its own, checked before
# reuse): a new PostgreSQL connection per request costs a process on the
# server and cold caches, more than a charge itself (docs/benchmarks.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that stops answering fails fast (and /healthz says so).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "audits",
    "enterprises",
    "vouchers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audits.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# AUTHENTICATION
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail login, mandatory verification, rate limits, TOTP.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
# Changing the second factor asks for the password or the authenticator
# code, never for a code e-mailed: whoever reads the mailbox must not be
# able to turn off two-factor authentication.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Name, phone and the acceptance of the user agreement and privacy notice.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Failed logins are limited per account (key: the e-mail) and, far more
# loosely, per client address, so one person's guessing locks out only the
# account guessed at, never the colleagues behind the same office NAT
# (figures and reasons: docs/architecture.md, "Client address and limits").
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key,40/10m/ip",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[算力券·模型券] "
# The district's promise for deciding an enterprise claim (办理时限), shown
# to the claimant while it waits.
CLAIM_DECISION_WORKING_DAYS = env.int("DJANGO_CLAIM_DECISION_WORKING_DAYS", default=5)
# How e-mails and pages name the site, where it is, and whom to ask.
SITE_NAME = env.str("DJANGO_SITE_NAME", default="浙江省算力券和模型券服务平台")
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SUPPORT_CONTACT = env.str(
    "DJANGO_SUPPORT_CONTACT",
    default="浙江省经济和信息化厅 数字经济处 0571-00000000（演示）",
)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Voucher Platform"
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_FORMS = {"authenticate": "accounts.mfa.AuthenticateForm"}

# SESSIONS: idle timeout, renewed on each request.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# CACHES: rate limits and used TOTP codes must be shared between processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://voucher-platform")}

# STATIC AND MEDIA: every asset is served from this site, never a CDN.
STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files live outside the static root and are served only through
# views that check permission.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media-not-served/"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Key of the hash kept instead of ID numbers (shareholders). Keep it secret and
# stable: changing it makes stored hashes incomparable with new ones.
PII_HASH_KEY = env("DJANGO_PII_HASH_KEY", default="demo-pii-key-change-me")
# Fernet keys that seal secrets the server reads back (webhook signing
# secrets; config/sealing.py): the first seals, all unseal. Empty: one key
# derived from SECRET_KEY (demo, tests).
SEALING_KEYS = env.list("DJANGO_SEALING_KEYS", default=[])

# E-MAIL
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@voucher.example.gov.cn")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# CELERY
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# AUDIT CHAIN (docs/architecture.md, "The tamper-evident chain")
# The digest that links new events; each link records its own, so changing
# this later leaves old links verifiable. "sm3" (GB/T 32905) or "sha256".
AUDIT_CHAIN_ALGORITHM = env("AUDIT_CHAIN_ALGORITHM", default="sm3")
# The longest an event may wait to be sealed before the auditor's page says
# the sealer is behind; beat runs it every 10 seconds.
AUDIT_SEAL_MAX_DELAY_SECONDS = 60
# Processes that check a long chain in parallel parts (audit_verify, the
# nightly check); 1 checks in this process only.
AUDIT_VERIFY_JOBS = env.int("AUDIT_VERIFY_JOBS", default=min(4, os.cpu_count() or 1))
# Seal right after each commit that recorded events (the demo, which runs
# no beat); production leaves it to the beat schedule.
AUDIT_SEAL_ON_COMMIT = env.bool("AUDIT_SEAL_ON_COMMIT", default=False)
# Audit report PDFs are signed (PAdES, pyHanko) when a key and its
# certificate (PEM files) are set; empty: unsigned reports, still verifiable
# by their digests. The demo and the tests use the published demo
# certificate in audits/reports/demo_signing/ (a signature with it proves
# nothing).
AUDIT_REPORT_SIGNING_KEY = env("AUDIT_REPORT_SIGNING_KEY", default="")
AUDIT_REPORT_SIGNING_CERT = env("AUDIT_REPORT_SIGNING_CERT", default="")
AUDIT_REPORT_SIGNING_PASSPHRASE = env("AUDIT_REPORT_SIGNING_PASSPHRASE", default="")
DEMO_SIGNING_DIR = BASE_DIR / "audits" / "reports" / "demo_signing"

# PROVIDER WEBHOOKS (vouchers/webhooks/transport.py says the destination rule)
# Private, loopback and link-local hosts are refused as webhook destinations
# unless this is on (tests; a closed network where providers sit inside it).
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
# A CA bundle to verify receivers' certificates with instead of the system's.
WEBHOOK_CA_FILE = env("WEBHOOK_CA_FILE", default="")
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# The demo (tasks inline, no worker) sends each delivery on a thread of its
# own, so a charge does not wait for the provider's endpoint to answer.
WEBHOOK_DELIVER_ON_THREAD = env.bool("WEBHOOK_DELIVER_ON_THREAD", default=False)
WEBHOOK_ENDPOINTS_MAX = 5

# REST FRAMEWORK
REST_FRAMEWORK = {
    # Only for a DRF throttle that does not ask config.client_ip (every one of
    # the project's does): the same proxies, never the whole header.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per-client limits of the public endpoints (throttle_scope on the view).
    "DEFAULT_THROTTLE_RATES": {
        "self_check": env("SELF_CHECK_THROTTLE_RATE", default="60/minute"),
        # Per provider API key: every endpoint, and the voucher look-up
        # (tighter, so codes cannot be tried in bulk).
        "provider_api": env("PROVIDER_API_THROTTLE_RATE", default="1200/minute"),
        "voucher_lookup": env("VOUCHER_LOOKUP_THROTTLE_RATE", default="30/minute"),
    },
}

# OpenAPI schema at /api/schema/, Swagger UI at /api/docs/: every asset from
# this site (the sidecar package), the page's script a separate file (CSP).
SPECTACULAR_SETTINGS = {
    "TITLE": "Compute and model vouchers API",
    "DESCRIPTION": (
        "Public API of the compute-voucher (算力券) and model-voucher (模型券) "
        "platform. Messages follow Accept-Language (Chinese by default, English "
        "with `Accept-Language: en`); money is in yuan as decimal strings."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from validator.swagger.io: nothing is loaded from other hosts.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Two models answer a "status": name their enums apart.
    "ENUM_NAME_OVERRIDES": {
        "RedemptionStatusEnum": "vouchers.models.redemption.RedemptionStatus",
        "StatementStatusEnum": "vouchers.models.settlement.StatementStatus",
    },
}

# SECURITY HEADERS (all profiles; production adds HTTPS-only settings)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only this site's own scripts, styles, fonts and images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
