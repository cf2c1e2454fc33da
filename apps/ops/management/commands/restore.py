"""`manage.py restore DIR` — restore a backup into a fresh database and the documents dir."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.core.documents import filesystem_storage
from apps.ops.backup import BackupError, PgTarget, restore, verify


class Command(BaseCommand):
    help = (
        "Verify the backup in DIR, then restore it into an empty database (the configured "
        "one, or --database-url) and the documents into the documents storage (or --media-root, "
        "a directory)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database-url", help="postgres://… of the target database")
        parser.add_argument("--media-root", type=Path, help="where the documents go")
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="create the target database first (it must not exist)",
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="check the manifest's checksums and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verify_only"]:
                manifest = verify(options["directory"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"backup intact: database dump and {len(manifest['documents'])} documents"
                    )
                )
                return
            target = (
                PgTarget.from_url(options["database_url"])
                if options["database_url"]
                else PgTarget.from_settings(connections["default"].settings_dict)
            )
            storage = filesystem_storage(options["media_root"]) if options["media_root"] else None
            where = options["media_root"] or "the documents storage"
            manifest = restore(
                options["directory"], target, storage, create_database=options["create_database"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"restored database {target.name} and {len(manifest['documents'])} documents "
                f"into {where}"
            )
        )
