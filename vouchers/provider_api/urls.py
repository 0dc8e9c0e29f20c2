"""The provider API's endpoints (api_urls.py) and its key pages (urls.py)."""

from django.urls import path

from . import api, views

api_urlpatterns = [
    path("vouchers/lookup/", api.VoucherLookupView.as_view(), name="voucher-lookup"),
    path("redemptions/", api.RedemptionListCreateView.as_view(), name="redemptions"),
    path(
        "redemptions/<int:pk>/",
        api.RedemptionDetailView.as_view(),
        name="redemption-detail",
    ),
    path(
        "redemptions/<int:pk>/void/",
        api.RedemptionVoidView.as_view(),
        name="redemption-void",
    ),
]
page_urlpatterns = [
    path("provider/<int:provider_pk>/api-keys/", views.api_keys, name="api-keys"),
    path(
        "provider/<int:provider_pk>/api-keys/<int:pk>/revoke/",
        views.api_key_revoke,
        name="api-key-revoke",
    ),
]
