"""Program pages, included at ``programs/`` under the namespace "programs"."""

from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_create, name="create"),
    path("<str:code>/", views.program_detail, name="detail"),
    # Public (no login): what a visitor reads about a published program.
    path("<str:code>/about/", views.program_public, name="public"),
    path("<str:code>/edit/", views.program_edit, name="edit"),
    path("<str:code>/status/", views.program_status, name="status"),
    path("<str:code>/quotas/move/", views.program_quota_move, name="quota-move"),
    path("<str:code>/versions/<int:number>/", views.program_version, name="version"),
    path("<str:code>/changes/<int:pk>/", views.program_change, name="change"),
    path(
        "<str:code>/changes/<int:pk>/what-if.xlsx",
        views.program_change_impact_xlsx,
        name="change-impact-xlsx",
    ),
]
