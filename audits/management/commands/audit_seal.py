"""Seal the audit events waiting to be linked into the chain, now."""

from django.core.management.base import BaseCommand

from audits.chain.services import chain_seal


class Command(BaseCommand):
    help = "Link every committed audit event waiting to be sealed into the chain."

    def handle(self, *args, **options):
        result = chain_seal()
        busy = " (another sealer was running; it seals the rest)" if result.busy else ""
        self.stdout.write(f"Sealed {result.sealed:,} events{busy}.")
