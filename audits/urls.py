from django.urls import path

from . import views
from .chain import views as chain_views
from .dashboard import views as dashboard_views
from .flags import views as flag_views
from .records import views as record_views
from .reports import views as report_views

app_name = "audits"

urlpatterns = [
    path("events/", views.event_list, name="event-list"),
    path("chain/", chain_views.chain, name="chain"),
    path("chain/verify/", chain_views.verify, name="chain-verify"),
    path("chain/checkpoints/", chain_views.checkpoint, name="chain-checkpoint"),
    path(
        "chain/checkpoints.csv",
        chain_views.checkpoints_download,
        name="chain-checkpoints-download",
    ),
    path("flags/", flag_views.flag_list, name="flag-list"),
    path("flags/scan/", flag_views.scan, name="flag-scan"),
    path("flags/<int:pk>/", flag_views.flag_detail, name="flag-detail"),
    path(
        "records/",
        record_views.records,
        {"kind": "applications"},
        name="records-home",
    ),
    path("records/<slug:kind>/", record_views.records, name="records"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard.xlsx", dashboard_views.dashboard_xlsx, name="dashboard-xlsx"),
    path("reports/", report_views.report_list, name="report-list"),
    path("reports/new/", report_views.report_request, name="report-request"),
    path("reports/<str:number>/", report_views.report_detail, name="report-detail"),
    path(
        "reports/<str:number>/<slug:which>/",
        report_views.report_download,
        name="report-download",
    ),
    path("records/<slug:kind>.xlsx", record_views.records_xlsx, name="records-xlsx"),
]
