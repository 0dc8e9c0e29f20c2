"""The self-check's page (vouchers/urls.py) and API endpoint (api_urls.py)."""

from django.urls import path

from . import api, views

page_urlpatterns = [
    path("self-check/", views.self_check_page, name="self-check"),
]
api_urlpatterns = [
    path("eligibility/self-check", api.SelfCheckView.as_view(), name="self-check"),
]
