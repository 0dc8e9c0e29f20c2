from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    # Applicants: their enterprises, claims and profiles
    path("", views.enterprise_mine, name="mine"),
    path("claim/", views.enterprise_claim, name="claim"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/declarations/", views.declaration_list, name="declarations"),
    path("<int:pk>/shareholders/", views.shareholder_list, name="shareholders"),
    path(
        "<int:pk>/shareholders/<int:shareholder_pk>/remove/",
        views.shareholder_remove,
        name="shareholder-remove",
    ),
    path("<int:pk>/reveal-phone/", views.reveal_phone, name="reveal-phone"),
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
    path("documents/<int:pk>/", views.document_download, name="document"),
    # Providers
    path("provider/", views.provider_mine, name="provider-mine"),
    path("provider/apply/", views.provider_apply, name="provider-apply"),
    path("providers/", views.provider_review_list, name="provider-review"),
    path("providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("providers/<int:pk>/edit/", views.provider_edit, name="provider-edit"),
    path("providers/<int:pk>/decide/", views.provider_decide, name="provider-decide"),
    path(
        "providers/<int:pk>/offerings/<int:offering_pk>/withdraw/",
        views.offering_withdraw,
        name="offering-withdraw",
    ),
    # Government: reviewer desk, register, claims, staff
    path("review/", views.review_home, name="review-home"),
    path("register/", views.register_list, name="register"),
    path("claims/", views.claim_queue, name="claim-queue"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff-remove"),
]
