"""The applicant's application pages, included at ``applications/`` under the
namespace "applications"."""

from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/contract/", views.application_contract, name="contract"),
    path("<int:pk>/documents/", views.application_documents, name="documents"),
    path("<int:pk>/review/", views.application_review, name="review"),
    path(
        "<int:pk>/autosave/<slug:step>/",
        views.application_autosave,
        name="autosave",
    ),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:pk>/receipt.pdf", views.application_receipt, name="receipt"),
]
