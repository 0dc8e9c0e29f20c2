"""REST API routes of the voucher programs, included under /api/v1/."""

from django.urls import path

from . import api

app_name = "vouchers-api"

urlpatterns = [
    path("eligibility/self-check", api.SelfCheckView.as_view(), name="self-check"),
]
