"""Lifecycle pages (namespace "vouchers")."""

from django.urls import path

from . import views

urlpatterns = [
    path("v/<str:code>/revoke/", views.revoke, name="voucher-revoke"),
    path("v/<str:code>/clawbacks/new/", views.clawback_new, name="clawback-new"),
    path("clawbacks/", views.clawbacks, name="clawbacks"),
    path("clawbacks/<int:pk>/", views.clawback_detail, name="clawback-detail"),
    path(
        "clawbacks/<int:pk>/repayments/",
        views.repayment_new,
        name="clawback-repayment",
    ),
]
