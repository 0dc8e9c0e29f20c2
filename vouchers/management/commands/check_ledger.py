"""Check the ledger's invariants; exit non-zero on any violation."""

from django.core.management.base import BaseCommand, CommandError

from vouchers.ledger.checks import check_ledger


class Command(BaseCommand):
    help = (
        "Check the budget ledger: every cached balance equals its transfers, no "
        "balance below zero, each program's accounts add up to zero (appropriated "
        "= budget + reserved + vouchers + …), every transfer positive between two "
        "accounts, each voucher's face value equals what was issued into it."
    )

    def handle(self, *args, **options):
        problems = check_ledger()
        if problems:
            for problem in problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(f"{len(problems)} ledger invariant(s) violated.")
        self.stdout.write(self.style.SUCCESS("The ledger holds: no violation."))
