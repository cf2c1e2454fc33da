"""`manage.py size WORKLOAD.json [--format json|table] [--config CONFIG.json]` — the engine
from the command line.

`--config` reads a Hugging Face config.json with the engine's one config.json parser (the same
as the wizard upload and POST /api/v1/model-configs/): alone it prints the imported model
(architecture, parameter counts, the workload's `custom_model`); with a workload it sizes that
workload for the imported model (its `custom_model` replaces `model`).

Same input, output and automatic choice as the API and the wizard: all three go through
apps/sizing/gateway.py. `manage.py size --inputs` lists every input of the workload
specification (engine/spec.py) with its unit, limits and default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.models import PriceBook
from apps.sizing import gateway
from apps.sizing.engine import SizingInputError, spec
from apps.sizing.engine.models import import_config_text
from apps.sizing.formatting import result_as_table


def input_help() -> str:
    """One line per workload input, from the specification."""
    lines = ["Workload inputs (docs/sizing-engine.md; JSON paths):"]
    for i in spec.INPUTS:
        lines.append("  " + describe(i))
    return "\n".join(lines)


def describe(i: spec.Input) -> str:
    """`path (type, unit): label; limits; default` for one input."""
    head = f"{i.path} ({i.type}{', ' + i.unit if i.unit else ''})"
    parts = [i.label]
    if i.type in ("number", "integer"):
        low = ">" if i.low_open else ">="
        parts.append(f"{low} {i.low:g} and <= {i.high:g}")
    if i.type == "choice":
        parts.append("one of " + ", ".join(i.all_choices()))
    if i.catalog:
        parts.append(f"a catalog {i.catalog[:-1]} slug" + (" or auto" if i.extra_choices else ""))
    if i.required == "always":
        parts.append("required")
    elif i.required == "size_mode":
        parts.append("required in size mode")
    elif i.default is not None:
        parts.append(f"default {i.default}")
    elif i.default_note:
        parts.append(f"default: {i.default_note}")
    if i.kinds != spec.KINDS:
        parts.append("for " + ", ".join(i.kinds))
    if not i.used:
        parts.append("informative only")
    return f"{head}: " + "; ".join(parts)


class Command(BaseCommand):
    help = "Size a workload (JSON file, or - for standard input) and print the explained result."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = input_help()
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "workload", nargs="?", help="path to a workload JSON file, or - for stdin"
        )
        parser.add_argument("--format", choices=["json", "table"], default="json")
        parser.add_argument(
            "--price-book",
            default=None,
            help="price book code whose list prices annotate the alternatives (default: the "
            "current book); it never changes the automatic choice",
        )
        parser.add_argument(
            "--inputs", action="store_true", help="list every workload input and exit"
        )
        parser.add_argument(
            "--config",
            default=None,
            metavar="CONFIG.json",
            help="a Hugging Face config.json: alone, print the imported model; with a "
            "workload, size the workload for that model",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["inputs"]:
            self.stdout.write(input_help())
            return
        imported = self._import(options["config"]) if options["config"] else None
        if imported is not None and not options["workload"]:
            self.stdout.write(json.dumps(imported, indent=2))
            return
        if not options["workload"]:
            raise CommandError("give a workload JSON file (or - for stdin); see --help")
        data = self._load(options["workload"])
        if imported is not None:
            if not isinstance(data, dict):
                raise CommandError("the workload must be a JSON object to take --config")
            data = {k: v for k, v in data.items() if k != "model"}
            data["custom_model"] = imported["custom_model"]
        sizing = gateway.size(data, book=self._book(options["price_book"]))
        if sizing.result is None:
            raise CommandError(
                "invalid workload:\n"
                + "\n".join(f"  {line}" for line in gateway.messages(sizing.field_errors))
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(sizing.result, indent=2))
        else:
            self.stdout.write(result_as_table(sizing.result))

    def _book(self, code: str | None) -> Any:
        if not code:
            return None
        book = PriceBook.objects.filter(code=code).first()
        if book is None:
            raise CommandError(f"no price book {code!r}")
        return book

    def _import(self, path: str) -> dict[str, Any]:
        """The imported model of a config.json, or CommandError with the parser's messages."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            return import_config_text(raw).to_dict()
        except SizingInputError as exc:
            raise CommandError(
                f"{path}: not a usable config.json:\n"
                + "\n".join(f"  {line}" for line in gateway.messages(exc.field_errors))
            ) from exc

    def _load(self, path: str) -> Any:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
