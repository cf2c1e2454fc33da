from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    verbose_name = "REST API"
    # No ready(): apps.api.schema (the OpenAPI extensions, drf-spectacular's schema machinery)
    # is imported by the first schema generation, through DEFAULT_SCHEMA_CLASS, before any
    # view is described; imported at start-up it cost every Django process ~0.35 s of CPU
    # (1.30 -> 0.96 s for django.setup()), a Celery worker or a manage.py command included,
    # which never describe the API.
