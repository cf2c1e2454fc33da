"""Per-token rate limits (per user for session callers, per address for anonymous ones).

Limits come from `settings.API_THROTTLE_RATES` (read on every request, so they can be tuned
by environment and in tests) and are documented in the schema's description:

- `read`: GET/HEAD/OPTIONS of any endpoint;
- `write`: POST/PATCH/DELETE;
- `sizing`: additionally, every engine run (POST /sizing/, saving or re-running a scenario,
  a quote from a workload), which costs CPU.

A refused request answers 429 with `Retry-After` (seconds). Counters live in the shared cache
(`CACHE_URL`: Redis in production, so every worker and replica counts together). Throttling
protects capacity, not security (reliability.md): while the cache is away requests pass.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.models import ApiToken
from apps.ops.context import client_ip

DEFAULT_RATES = {"read": "600/min", "write": "120/min", "sizing": "60/min", "anon": "60/min"}


def rates() -> dict[str, str | None]:
    return {**DEFAULT_RATES, **settings.API_THROTTLE_RATES}


def caller_key(request: Request) -> str | None:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


class _Throttle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return rates().get(self.scope or "")

    def __init__(self) -> None:  # SimpleRateThrottle reads the rate in __init__; so do we
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_ident(self, request: Request) -> str:
        """The client address as the ops app resolves it (X-Forwarded-For only from trusted
        proxies, the right hop), never DRF's whole header that a client can rewrite."""
        return client_ip(request) or "unknown"

    def ident(self, request: Request) -> str:
        return caller_key(request) or f"ip:{self.get_ident(request)}"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.ident(request)}


class ReadWriteThrottle(_Throttle):
    """`read` for safe methods, `write` for the others; anonymous callers share `anon`."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if caller_key(request) is None:
            self.scope = "anon"
        else:
            self.scope = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class SizingThrottle(_Throttle):
    """Engine runs: counted on the views' `engine_actions` (all POSTs of a view without
    actions, such as POST /sizing/)."""

    scope = "sizing"

    def allow_request(self, request: Request, view: Any) -> bool:
        actions = getattr(view, "engine_actions", None)
        runs = (
            getattr(view, "action", None) in actions
            if actions is not None
            else request.method == "POST"
        )
        return super().allow_request(request, view) if runs else True
