"""Check the audit chain (whole, or a range); exit non-zero on any break."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.chain import services
from audits.chain.verify import chain_verify, describe, read_checkpoints
from audits.models import ChainVerification


class Command(BaseCommand):
    help = (
        "Recompute the audit chain from the events: every link's position, "
        "previous hash and content hash, the stored checkpoints (and those of a "
        "file kept outside the system), no cut tail, no event left out. Prints "
        "the first break, or the count and head hash; exits 1 on a break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=int, default=1)
        parser.add_argument("--to", dest="last", type=int, default=None)
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="a checkpoints CSV downloaded earlier (position,algorithm,head_hash,…)",
        )
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="do not seal waiting events first",
        )

    def handle(self, *args, first, last, checkpoints, no_seal, **options):
        if first < 1 or (last is not None and last < first):
            raise CommandError("--from must be ≥ 1 and --to ≥ --from.")
        outside = None
        if checkpoints is not None:
            try:
                outside = read_checkpoints(checkpoints.read_text("utf-8").splitlines())
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(f"{checkpoints}: {exc}") from exc
        if not no_seal:
            services.chain_seal()
        verification = ChainVerification.objects.create(
            requested_by_label="manage.py audit_verify", first_seq=first, last_seq=last
        )
        try:
            report = chain_verify(first=first, last=last, checkpoints=outside)
        except Exception:
            verification.status = ChainVerification.Status.FAILED
            verification.finished_at = timezone.now()
            verification.save(update_fields=["status", "finished_at"])
            raise
        services.record_report(verification, report)
        if report.brk is not None:
            self.stderr.write(describe(report.brk.reason, report.brk.as_dict()))
            raise CommandError(
                _("The audit chain is broken (checked %(checked)s links before it).")
                % {"checked": f"{report.checked:,}"}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "The audit chain is intact: %(checked)s links, positions "
                    "%(first)s–%(last)s, head hash %(head)s (%(seconds).1f s); "
                    "%(pending)s events waiting to be sealed."
                )
                % {
                    "checked": f"{report.checked:,}",
                    "first": report.first_seq,
                    "last": report.last_seq,
                    "head": report.head_hash or "—",
                    "seconds": report.seconds,
                    "pending": f"{report.pending:,}",
                }
            )
        )
