from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from audits.reports import views as report_views

from . import views

admin.site.site_header = "算力券·模型券 管理后台"


def _superuser_only(request):
    return request.user.is_active and request.user.is_superuser


# Django admin is for superusers only; roles work through the site's own pages.
admin.site.has_permission = _superuser_only
# Signing in happens only through allauth (TOTP, rate limits, login audit).
admin.site.login = secure_admin_login(admin.site.login)

handler404 = "config.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    # Public: what a sign-up accepts.
    path("legal/<slug:document>/", account_views.legal, name="legal"),
    path("enterprises/", include("enterprises.urls")),
    path("audit/", include("audits.urls")),
    # Public: anyone holding a copy of an audit report checks it here.
    path("reports/verify/", report_views.verify, name="report-verify"),
    path("vouchers/", include("vouchers.urls")),
    path("programs/", include("vouchers.programs.urls")),
    path("applications/", include("vouchers.applications.urls")),
    path("review/", include("vouchers.review.urls")),
    path("api/v1/", include("vouchers.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
