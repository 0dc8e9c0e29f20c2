"""Print the current TOTP code of an account, for trying the demo without a phone."""

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (refuses when DEBUG is off)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        from django.conf import settings

        if not settings.DEBUG:
            raise CommandError("Only available in the demo (DEBUG on).")
        auth = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if auth is None:
            raise CommandError(f"{email} has no TOTP authenticator.")
        secret = decrypt(auth.data["secret"])
        counter = int(timezone.now().timestamp()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
