"""Edits outside the import (admin, shell) bump the catalog revision too; every price book and
price change is written to the audit log (apps.ops.services.audit_record)."""

from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save


def _catalog_changed(sender: type, **kwargs: Any) -> None:
    from .services import catalog_revision_bump

    catalog_revision_bump()


def _price_book_saved(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    from apps.ops.services import audit_record

    if raw:  # loaddata
        return
    deleted = kwargs.get("signal") is post_delete
    verb = "deleted" if deleted else ("created" if created else "changed")
    details: dict[str, Any] = {"change": verb}
    if sender.__name__ == "Price":
        details |= {
            "book": instance.book.code,
            "part": str(instance.part),
            "unit_price": str(instance.unit_price),
        }
        action = "pricebook.price_" + verb
    else:
        details |= {
            "code": instance.code,
            "currency": instance.currency,
            "valid_from": str(instance.valid_from),
            "valid_to": str(instance.valid_to),
        }
        action = "pricebook." + verb
    audit_record(action, obj=instance, details=details)


def connect() -> None:
    """Bump the revision on every save/delete of a catalog model (except the revision)."""
    for model in apps.get_app_config("catalog").get_models():
        if model.__name__ != "CatalogRevision":
            post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"rev-{model}")
            post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"rev-del-{model}")
    for model in (apps.get_model("catalog", "PriceBook"), apps.get_model("catalog", "Price")):
        post_save.connect(_price_book_saved, sender=model, dispatch_uid=f"ops-save-{model}")
        post_delete.connect(_price_book_saved, sender=model, dispatch_uid=f"ops-del-{model}")
