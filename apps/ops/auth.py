"""Sign-in throttling: an authentication backend that refuses to check a password while the
(username, address) pair or the address is throttled, and login forms that say so clearly.

The backend is the enforcement (every `authenticate()` call: the portal's login page, the
admin's, anything else); the forms only turn the refusal into a message with the wait.
Failures are counted by the `user_login_failed` signal (`signals.py`), in the database.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from .context import client_ip
from .services import login_throttle_wait

THROTTLED_ATTR = "ops_login_retry_after"


class RateLimitedModelBackend(ModelBackend):
    """Django's ModelBackend behind the login throttle."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is not None:
            name = username if username is not None else kwargs.get("username", "")
            wait = login_throttle_wait(str(name or ""), client_ip(request))
            if wait:
                setattr(request, THROTTLED_ATTR, wait)
                raise PermissionDenied("too many failed sign-in attempts")
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottleMessageMixin:
    """Replace the generic "wrong password" by the throttle's message and wait."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc,no-any-return]
        except ValidationError:
            wait = getattr(self.request, THROTTLED_ATTR, 0)
            if wait:
                minutes = max(1, math.ceil(wait / 60))
                raise ValidationError(
                    "Too many failed sign-in attempts for this username from your address. "
                    "Try again in %(minutes)d minute(s).",
                    code="throttled",
                    params={"minutes": minutes},
                ) from None
            raise


class RateLimitedAuthenticationForm(ThrottleMessageMixin, AuthenticationForm):
    """The portal's login form."""


class RateLimitedAdminAuthenticationForm(ThrottleMessageMixin, AdminAuthenticationForm):
    """The admin's login form (set on `admin.site` by `OpsConfig.ready`)."""
