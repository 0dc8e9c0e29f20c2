"""The provider's webhook pages (namespace "vouchers")."""

from django.urls import path

from . import views

page_urlpatterns = [
    path("provider/<int:provider_pk>/webhooks/", views.webhooks, name="webhooks"),
    path(
        "provider/<int:provider_pk>/webhooks/<int:pk>/disable/",
        views.endpoint_disable,
        name="webhook-disable",
    ),
    path(
        "provider/<int:provider_pk>/webhooks/<int:pk>/ping/",
        views.endpoint_ping,
        name="webhook-ping",
    ),
    path(
        "provider/<int:provider_pk>/webhook-deliveries/<int:pk>/",
        views.delivery_detail,
        name="webhook-delivery",
    ),
    path(
        "provider/<int:provider_pk>/webhook-deliveries/<int:pk>/retry/",
        views.delivery_retry,
        name="webhook-retry",
    ),
]
