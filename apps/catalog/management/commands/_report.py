"""Shared output of the catalog import commands (thin: the work is in services)."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from apps.catalog.services import CatalogImportError, ImportReport


def run_import(command: BaseCommand, do_import: Callable[[], ImportReport]) -> None:
    """Run an import; print per-file counts, or every bad row and fail (exit status 1)."""
    try:
        report = do_import()
    except CatalogImportError as exc:
        for error in exc.errors:
            command.stderr.write(str(error))
        raise CommandError(exc.message) from exc
    for label, c in report.counts.items():
        kept = f", {c.kept} kept (differ from the file; --force overwrites)" if c.kept else ""
        command.stdout.write(
            f"{label}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged{kept}"
        )
    command.stdout.write(command.style.SUCCESS(f"Imported; {report.changed} row(s) changed."))
