"""The charge pages (under /vouchers/, namespace "vouchers")."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "provider/<int:provider_pk>/charges/new/",
        views.charge_new,
        name="charge-new",
    ),
    path("provider/<int:provider_pk>/charges/", views.charge_list, name="charges"),
    path("charges/<int:pk>/", views.charge_detail, name="charge-detail"),
    path("charges/<int:pk>/void/", views.charge_void, name="charge-void"),
    path("charges/<int:pk>/confirm/", views.charge_confirm, name="charge-confirm"),
    path("charges/<int:pk>/dispute/", views.charge_dispute, name="charge-dispute"),
    path("charges/<int:pk>/decide/", views.charge_decide, name="charge-decide"),
    path("disputes/", views.disputes, name="disputes"),
]
