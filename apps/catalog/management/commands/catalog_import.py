"""`manage.py catalog_import DIR [--force]`: load the catalog CSV files (all-or-nothing).

Safe on every deploy: without `--force` only missing rows are created, so rows edited in the
admin (prices, descriptions) keep their edits; `--force` sets existing rows to the files.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.catalog.services import catalog_import

from ._report import run_import


class Command(BaseCommand):
    help = (
        "Import the catalog CSV files of DIR (schema: fixtures/catalog/README.md) in one "
        "transaction; bad rows are listed as file:line: column: message and nothing changes. "
        "Creates missing rows only; --force also overwrites existing rows with the files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite existing rows (and admin edits) with the files' values",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(self, lambda: catalog_import(options["directory"], overwrite=options["force"]))
