"""Import the list of seriously dishonest entities (严重失信主体名单) from CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from enterprises.services import dishonest_list_import
from enterprises.services.credit import CSV_COLUMNS


class Command(BaseCommand):
    help = (
        "Import a CSV (UTF-8) with the columns "
        + ", ".join(CSV_COLUMNS)
        + ". Entries are matched by credit code and listing date; the whole file "
        "is refused if any line is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            result = dishonest_list_import(content=content, source=path.name)
        except ApplicationError as exc:
            raise CommandError(f"Nothing imported.\n{exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
