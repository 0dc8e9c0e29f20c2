"""Reimbursement pages (namespace "vouchers")."""

from django.urls import path

from . import views

urlpatterns = [
    path("v/<str:code>/reimbursements/new/", views.claim_new, name="reimbursement-new"),
    path("reimbursements/", views.queue, name="reimbursements"),
    path("reimbursements/to-pay/", views.to_pay, name="reimbursements-to-pay"),
    path("reimbursements/<int:pk>/", views.detail, name="reimbursement-detail"),
    path("reimbursements/<int:pk>/pay/", views.pay, name="reimbursement-pay"),
    path("reimbursements/<int:pk>/decide/", views.decide, name="reimbursement-decide"),
]
