"""`manage.py rescreen PROGRAM_CODE [--record] [--batch-size N] [--when ISO]`:
which registered enterprises pass the program's enterprise-level rules now."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vouchers.eligibility.rescreen import DEFAULT_BATCH_SIZE, rescreen_enterprises
from vouchers.models import Program


def _moment(value: str) -> datetime:
    """An ISO date or date-time; naive ones are in the site's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--when: give an ISO date or date-time, not {value!r}"
        ) from None
    if len(value) == 10:  # a date alone: the end of that day
        moment = datetime.combine(moment.date(), time.max)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Re-screen every registered enterprise against a program's rules "
        "(the version in force now, or at --when) and print the counts and the rate."
    )

    def add_arguments(self, parser):
        parser.add_argument("program", help="program code, e.g. ZJ-BENCHMARK-2026")
        parser.add_argument(
            "--record",
            action="store_true",
            help="store each decision (EligibilityDecision) so it can be re-explained",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"enterprises per batch (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--when",
            type=_moment,
            default=None,
            help="decide as at this ISO date or date-time (default now)",
        )

    def handle(self, *args, program, record, batch_size, when, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            found = Program.objects.select_related("region").get(
                code=program.strip().upper()
            )
        except Program.DoesNotExist:
            raise CommandError(f"No program with code {program!r}.") from None
        summary = rescreen_enterprises(
            program=found, batch_size=batch_size, when=when, record=record
        )
        for line in summary.lines():
            self.stdout.write(line)
