"""Create (or refresh) the demo sales login and print it. Used by scripts/start.sh."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.services import DEMO_PASSWORD, DEMO_USERNAME, demo_user_ensure
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        'Idempotently create the seller organization "Lenovo (demo)" and a sales user, '
        f"and print the login (default {DEMO_USERNAME} / {DEMO_PASSWORD})."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=DEMO_USERNAME)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, created = demo_user_ensure(options["username"], options["password"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} demo sales user in {user.organization}.")
        self.stdout.write(f"Login: username {user.username}  password {options['password']}")
