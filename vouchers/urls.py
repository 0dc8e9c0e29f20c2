"""Pages of the voucher programs, included under /vouchers/."""

from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("self-check/", views.self_check_page, name="self-check"),
]
