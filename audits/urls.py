from django.urls import path

from . import views
from .chain import views as chain_views

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
]
