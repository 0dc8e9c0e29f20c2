from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("events/", views.event_list, name="event-list"),
]
