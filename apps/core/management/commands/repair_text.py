"""Find, and with --fix repair, text stored before the edge checked it (apps.core.hygiene):
unpaired surrogates (pages showing them failed), NUL and control characters, non-NFC text, in
every text and JSON column of the portal's own models.

    manage.py repair_text            # report only (exit status 1 when something is found)
    manage.py repair_text --fix      # repair in place (an UPDATE per row, no model save())
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from apps.core.hygiene import repair_value

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


class Command(BaseCommand):
    help = "Find (and with --fix repair) stored text that cannot be rendered back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="repair the rows found")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        found = 0
        for model in apps.get_models():
            if not model.__module__.startswith("apps."):
                continue
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, TEXT_FIELDS) and not f.primary_key
            ]
            if fields:
                found += self._model(model, fields, fix)
        verb = "repaired" if fix else "found"
        self.stdout.write(f"{found} row(s) with bad text {verb}.")
        if found and not fix:
            raise CommandError("bad text found; run again with --fix to repair it", returncode=1)

    def _model(self, model: type[models.Model], fields: list[str], fix: bool) -> int:
        count = 0
        label = model._meta.label
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        for pk, *values in rows.iterator(chunk_size=500):
            changes = {
                name: repaired
                for name, value in zip(fields, values, strict=True)
                if value is not None and (repaired := repair_value(value)) != value
            }
            if not changes:
                continue
            count += 1
            self.stdout.write(f"{label} #{pk}: {', '.join(sorted(changes))}")
            if fix:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**changes)
        return count
