"""Delete uploaded files that no document row refers to.

A file is written to disk before its transaction commits; when the
transaction rolls back (a later step refused), the file stays without a row.
Such files are unreachable (downloads go through the document row), and this
command removes them once they are older than --min-age-hours.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from enterprises.models import Document


class Command(BaseCommand):
    help = "Delete files under MEDIA_ROOT/uploads that no document refers to."

    def add_arguments(self, parser):
        parser.add_argument("--min-age-hours", type=float, default=24.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, min_age_hours, dry_run, **options):
        root = Path(settings.MEDIA_ROOT)
        uploads = root / "uploads"
        if not uploads.is_dir():
            self.stdout.write("No uploads folder; nothing to do.")
            return
        known = set(Document.objects.values_list("file", flat=True))
        cutoff = time.time() - min_age_hours * 3600
        removed = 0
        for path in uploads.rglob("*"):
            if not path.is_file():
                continue
            name = path.relative_to(root).as_posix()
            if name in known or path.stat().st_mtime > cutoff:
                continue
            removed += 1
            if not dry_run:
                path.unlink()
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {removed} orphaned file(s).")
