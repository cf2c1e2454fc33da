from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "apps.quotes"
    label = "quotes"
    verbose_name = "Quotes"

    def ready(self) -> None:
        # Register the Celery tasks in every process (web, worker, tests): the services send
        # them by name (services/pdf_jobs.py RENDER_TASK) instead of importing this module.
        from . import tasks  # noqa: F401
