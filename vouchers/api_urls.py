"""The REST API of the voucher programs under /api/v1/ (namespace
"vouchers-api"), each sub-package listing its own endpoints."""

from .self_check.urls import api_urlpatterns as self_check_api

app_name = "vouchers-api"

urlpatterns = [*self_check_api]
