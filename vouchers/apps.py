from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "vouchers"
    verbose_name = _("Voucher programs")

    def ready(self):
        # The rules register themselves under their codes when imported:
        # program parameters name them (programs.params) and the engine runs them.
        from .eligibility import rules  # noqa: F401
