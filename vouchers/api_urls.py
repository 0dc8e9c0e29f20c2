"""The REST API of the voucher programs under /api/v1/ (namespace
"vouchers-api"), each sub-package listing its own endpoints."""

from .provider_api.urls import api_urlpatterns as provider_api
from .self_check.urls import api_urlpatterns as self_check_api
from .settlement.urls import api_urlpatterns as statements_api

app_name = "vouchers-api"

urlpatterns = [*self_check_api, *provider_api, *statements_api]
