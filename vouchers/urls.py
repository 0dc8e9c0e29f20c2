"""The pages under /vouchers/ (namespace "vouchers"): the public self-check
and the voucher pages, each sub-package listing its own."""

from .issuance.urls import urlpatterns as voucher_pages
from .lifecycle.urls import urlpatterns as lifecycle_pages
from .notice.urls import urlpatterns as notice_pages
from .provider_api.urls import page_urlpatterns as api_key_pages
from .redemption.urls import urlpatterns as charge_pages
from .reimbursement.urls import urlpatterns as reimbursement_pages
from .self_check.urls import page_urlpatterns as self_check_pages
from .settlement.urls import page_urlpatterns as statement_pages
from .webhooks.urls import page_urlpatterns as webhook_pages

app_name = "vouchers"

urlpatterns = [
    *self_check_pages,
    *voucher_pages,
    *api_key_pages,
    *charge_pages,
    *reimbursement_pages,
    *lifecycle_pages,
    *notice_pages,
    *statement_pages,
    *webhook_pages,
]
