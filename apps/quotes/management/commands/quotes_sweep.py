"""`manage.py quotes_sweep` — requeue stale PDF jobs and expire quotes past their validity.

The same services the Celery beat tasks call (`quotes.sweep_pdf_jobs`, `quotes.expire_due`);
use this from cron when no beat runs.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.quotes import services


class Command(BaseCommand):
    help = "Requeue PDF jobs left pending too long; mark quotes past their validity as expired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queued-seconds",
            type=int,
            default=None,
            help="requeue jobs queued and untouched for longer than this",
        )
        parser.add_argument(
            "--rendering-seconds",
            type=int,
            default=None,
            help="requeue jobs rendering for longer than this",
        )
        parser.add_argument("--no-expire", action="store_true", help="skip expiring quotes")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.pdf_jobs_requeue_stale(
            queued_seconds=options["queued_seconds"], rendering_seconds=options["rendering_seconds"]
        )
        self.stdout.write(f"pdf jobs: {counts['requeued']} requeued, {counts['failed']} failed")
        if not options["no_expire"]:
            self.stdout.write(f"quotes expired: {services.quotes_expire_due()}")
