"""Pages of the voucher programs, included under /vouchers/."""

from django.urls import path

from . import views, views_vouchers

app_name = "vouchers"

urlpatterns = [
    path("self-check/", views.self_check_page, name="self-check"),
    path("mine/", views_vouchers.voucher_list, name="voucher-list"),
    # Only the canonical code (XXXX-XXXX-XXXX-XXXX) is looked up; other forms 404.
    path("v/<str:code>/", views_vouchers.voucher_detail, name="voucher-detail"),
    path(
        "v/<str:code>/certificate.pdf",
        views_vouchers.voucher_certificate,
        name="certificate",
    ),
]
