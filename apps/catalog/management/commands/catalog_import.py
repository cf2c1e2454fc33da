"""`manage.py catalog_import DIR`: load the catalog CSV files (all-or-nothing)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.catalog.services import catalog_import

from ._report import run_import


class Command(BaseCommand):
    help = (
        "Import the catalog CSV files of DIR (schema: fixtures/catalog/README.md) in one "
        "transaction; bad rows are listed as file:line: column: message and nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(self, lambda: catalog_import(options["directory"]))
