"""`manage.py pricebook_import CODE FILE`: load one price list into an existing price book."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.catalog.services import price_list_import

from ._report import run_import


class Command(BaseCommand):
    help = (
        "Import FILE (columns part_number,unit_price) into the price book CODE, which must "
        "exist (create it with a price_books.csv row via catalog_import)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(self, lambda: price_list_import(options["code"], options["file"]))
