from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import ApiToken, Organization, User

        for model in (ApiToken, User, Organization):
            post_save.connect(_auth_changed, sender=model, dispatch_uid=f"token-auth-{model}")
            post_delete.connect(_auth_changed, sender=model, dispatch_uid=f"token-auth-{model}")


def _auth_changed(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A token, user or organization changed: cached token authentications are stale
    (apps.accounts.token_cache). The sign-in stamp changes nothing they hold."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    from .token_cache import invalidate

    invalidate()
