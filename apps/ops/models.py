"""The audit log and the login-failure counter."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One security-relevant event: who did what to which object, when, from where.

    Append-only by convention: written by `services.audit_record`, shown read-only in the
    admin. `actor_label` keeps the name (a username, "customer <name> via share link",
    "system") even after the user is deleted; `object_type`/`object_id` name the object without
    a foreign key, so deleting the object never deletes its history.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="ops_audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_label or '-'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)


class LoginFailure(models.Model):
    """A failed sign-in, counted per (username, address) to throttle guessing. Kept in the
    database, not the cache: every gunicorn worker and web replica sees the same count, it
    survives restarts, and it does not depend on Redis (the default cache is per process)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "ip", "created_at"], name="ops_loginfail_key"),
            models.Index(fields=["ip", "created_at"], name="ops_loginfail_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.created_at}"
