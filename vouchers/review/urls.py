"""Review pages, included at ``review/`` under the namespace "review"."""

from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.review_queue_page, name="queue"),
    path("batch-approve/", views.review_batch_approve, name="batch-approve"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
]
