from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_mine, name="mine"),
    path("<int:pk>/members/", views.member_list, name="member-list"),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("provider/", views.provider_mine, name="provider-mine"),
    path("review/", views.review_home, name="review-home"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff-remove"),
]
