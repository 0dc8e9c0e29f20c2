"""The statement pages (under /vouchers/, namespace "vouchers") and the
statement API (under /api/v1/, namespace "vouchers-api")."""

from django.urls import path

from . import api, views

api_urlpatterns = [
    path("statements/", api.StatementListView.as_view(), name="statements"),
    path(
        "statements/<int:pk>/",
        api.StatementDetailView.as_view(),
        name="statement-detail",
    ),
]
page_urlpatterns = [
    path(
        "provider/<int:provider_pk>/statements/",
        views.provider_statements,
        name="statements",
    ),
    path("statements/", views.statement_queue_view, name="statement-queue"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path(
        "statements/<int:pk>/records/",
        views.statement_reconcile,
        name="statement-reconcile",
    ),
    path(
        "statements/<int:pk>/differences/<int:item_pk>/",
        views.reconciliation_item_explain,
        name="statement-explain",
    ),
    path(
        "statements/<int:pk>/submit/", views.statement_submit, name="statement-submit"
    ),
    path(
        "statements/<int:pk>/approve/",
        views.statement_approve,
        name="statement-approve",
    ),
    path(
        "statements/<int:pk>/return/", views.statement_return, name="statement-return"
    ),
    path("statements/<int:pk>/pay/", views.statement_pay, name="statement-pay"),
    path(
        "statements/<int:pk>/statement.xlsx",
        views.statement_download_xlsx,
        name="statement-xlsx",
    ),
    path(
        "statements/<int:pk>/statement.pdf",
        views.statement_download_pdf,
        name="statement-pdf",
    ),
]
