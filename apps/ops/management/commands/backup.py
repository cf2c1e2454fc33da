"""`manage.py backup DIR` — dump the database and copy the generated documents into DIR."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.ops.backup import BackupError, PgTarget, backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format) and the generated documents "
        "(the documents storage) into DIR, a new or empty directory, with a manifest of checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = PgTarget.from_settings(connections[options["database"]].settings_dict)
            manifest = backup(options["directory"], target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        db = manifest["database"]
        self.stdout.write(f"database {db['name']}: {db['size']} bytes, sha256 {db['sha256']}")
        self.stdout.write(f"documents: {len(manifest['documents'])} files")
        self.stdout.write(self.style.SUCCESS(f"backup written to {options['directory']}"))
