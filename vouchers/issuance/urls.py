"""The voucher pages (under /vouchers/, namespace "vouchers": see vouchers/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("mine/", views.voucher_list, name="voucher-list"),
    # Only the canonical code (XXXX-XXXX-XXXX-XXXX) is looked up; other forms 404.
    path("v/<str:code>/", views.voucher_detail, name="voucher-detail"),
    path(
        "v/<str:code>/certificate.pdf",
        views.voucher_certificate,
        name="certificate",
    ),
]
