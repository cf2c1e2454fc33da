"""`manage.py catalog_export DIR`: write the catalog and price books as CSV files."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.catalog.services import catalog_export


class Command(BaseCommand):
    help = "Write the catalog and every price book to DIR in the catalog_import format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        written = catalog_export(options["directory"])
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(written)} file(s) to {options['directory']}.")
        )
