"""Writes of the ops app: the audit log and the login throttle.

`audit_record` is called by the services that do the audited thing (quotes, API tokens,
catalog imports) inside their own transaction, so an event exists exactly when the change
committed; login events come from Django's auth signals (`signals.py`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from .context import client_ip, current_request, current_user, request_id_var
from .models import AuditEvent, LoginFailure
from .redact import redact_value


def audit_record(
    action: str,
    *,
    actor: Any = None,
    actor_label: str = "",
    obj: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record `action` (e.g. `quote.sent`) on `obj` by `actor`.

    The actor defaults to the current request's authenticated user, the address to the
    request's client address, the request id to the current one; outside a request (CLI,
    Celery) the actor is `system` unless given.
    """
    request = request or current_request()
    actor = actor if getattr(actor, "is_authenticated", False) else current_user(request)
    label = actor_label or (actor.get_username() if actor is not None else "system")
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=label[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        ip=client_ip(request),
        request_id=(getattr(request, "request_id", None) or request_id_var.get() or "")[:128],
        details=redact_value(details or {}),
    )


# --- login throttle ---------------------------------------------------------------------------


def _limits() -> tuple[int, int, int]:
    return (
        int(settings.LOGIN_FAILURE_LIMIT),
        int(settings.LOGIN_FAILURE_IP_LIMIT),
        int(settings.LOGIN_FAILURE_WINDOW_SECONDS),
    )


def _username_key(username: str) -> str:
    """Case-insensitive, so `Alice` and `alice ` share one counter."""
    return username.strip().lower()[:150]


def login_throttle_wait(username: str, ip: str | None) -> int:
    """Seconds before this username may try again from this address (0: go ahead).

    Blocked when the (username, address) pair failed `LOGIN_FAILURE_LIMIT` times within the
    window, or the address failed `LOGIN_FAILURE_IP_LIMIT` times for any usernames (spraying).
    """
    per_pair, per_ip, window_s = _limits()
    now = timezone.now()
    since = now - timedelta(seconds=window_s)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    checks = [(recent.filter(username=_username_key(username), ip=ip), per_pair)]
    if ip:
        checks.append((recent.filter(ip=ip), per_ip))
    wait = 0.0
    for queryset, limit in checks:
        times = list(queryset.order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:  # blocked until the limit-th most recent failure ages out
            wait = max(wait, (times[-1] + timedelta(seconds=window_s) - now).total_seconds())
    return max(0, math.ceil(wait))


def login_failure_record(username: str, ip: str | None) -> None:
    """Count a failed sign-in; forget this pair's failures older than the window."""
    _, _, window_s = _limits()
    key = _username_key(username)
    LoginFailure.objects.create(username=key, ip=ip)
    LoginFailure.objects.filter(
        username=key, ip=ip, created_at__lt=timezone.now() - timedelta(seconds=window_s)
    ).delete()


def login_failures_clear(username: str, ip: str | None) -> None:
    """A successful sign-in clears the failures of this (username, address) pair."""
    LoginFailure.objects.filter(username=_username_key(username), ip=ip).delete()
