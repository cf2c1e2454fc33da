"""`manage.py size WORKLOAD.json [--format json|table]` — the engine from the command line.

Same input and output as the API and the wizard: see docs/sizing-engine.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sizing import engine
from apps.sizing.adapters import run_sizing
from apps.sizing.formatting import result_as_table


class Command(BaseCommand):
    help = "Size a workload (JSON file, or - for standard input) and print the explained result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workload", help="path to a workload JSON file, or - for stdin")
        parser.add_argument("--format", choices=["json", "table"], default="json")
        parser.add_argument(
            "--price-book",
            default=None,
            help="price book code used only to rank the auto choice by list price",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._load(options["workload"])
        try:
            result = run_sizing(data, price_book_code=options["price_book"])
        except engine.SizingInputError as exc:
            lines = [
                f"  {field}: {msg}" for field, msgs in exc.field_errors.items() for msg in msgs
            ]
            raise CommandError("invalid workload:\n" + "\n".join(lines)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(result_as_table(result))

    def _load(self, path: str) -> Any:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
