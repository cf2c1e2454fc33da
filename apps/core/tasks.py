"""Tasks shared by the whole portal."""

from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """Answer a readiness probe: proves a worker consumes from the broker."""
    return "pong"
