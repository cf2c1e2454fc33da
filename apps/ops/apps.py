from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health endpoints, structured logs, the audit log, login throttling, session
    lifetime, degraded-mode answers (503 when the database is away), backup and restore."""

    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import signals

        signals.connect()
