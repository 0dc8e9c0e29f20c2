"""The one shape of the commands that import a published list from CSV
(import_dishonest_list, import_filing_list): read the file, hand it to the
list's import service (all or nothing), say what changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError


class ListImportCommand(BaseCommand):
    """Subclasses set ``help`` and ``importer`` (a staticmethod: the service taking
    ``content`` and ``source`` and returning an ImportResult)."""

    importer: Callable[..., Any]

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            result = self.importer(content=content, source=path.name)
        except ApplicationError as exc:
            raise CommandError(f"Nothing imported.\n{exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
