"""Import the published list of filed generative-AI services
(生成式人工智能服务已备案信息) from CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from enterprises.services import filing_list_import
from enterprises.services.filings import CSV_COLUMNS


class Command(BaseCommand):
    help = (
        "Import a CSV (UTF-8) with the columns "
        + ", ".join(CSV_COLUMNS)
        + " (or the published 备案号, 模型名称, 备案单位, 属地, 备案时间). Entries are "
        "matched by filing number; the whole file is refused if any line is "
        "invalid; importing it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            result = filing_list_import(content=content, source=path.name)
        except ApplicationError as exc:
            raise CommandError(f"Nothing imported.\n{exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
