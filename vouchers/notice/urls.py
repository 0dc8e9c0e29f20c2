"""Public notice pages (namespace "vouchers")."""

from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<str:code>/", views.program_notice, name="notice-program"),
    path(
        "notices/<str:code>/<int:pk>/object/",
        views.objection_new,
        name="notice-object",
    ),
    path("objections/", views.objections, name="objections"),
    path("objections/<int:pk>/", views.objection_detail, name="objection-detail"),
    path(
        "objections/<int:pk>/evidence/",
        views.objection_evidence,
        name="objection-evidence",
    ),
]
