"""Edits outside the import (admin, shell) bump the catalog revision too."""

from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save


def _catalog_changed(sender: type, **kwargs: Any) -> None:
    from .services import catalog_revision_bump

    catalog_revision_bump()


def connect() -> None:
    """Bump the revision on every save/delete of a catalog model (except the revision)."""
    for model in apps.get_app_config("catalog").get_models():
        if model.__name__ != "CatalogRevision":
            post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"rev-{model}")
            post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"rev-del-{model}")
