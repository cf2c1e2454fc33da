"""Per-token rate limits (per user for session callers, per address for anonymous ones).

Limits come from `settings.API_THROTTLE_RATES` (read on every request, so they can be tuned
by environment and in tests) and are documented in the schema's description:

- `read`: GET/HEAD/OPTIONS of any endpoint;
- `write`: POST/PATCH/DELETE;
- `sizing`: additionally, every engine run (POST /sizing/, saving or re-running a scenario,
  a quote from a workload), which costs CPU.

A refused request answers 429 with `Retry-After` (seconds). A limit holds over any period (a
sliding window, as DRF's own throttles); the request times live in the shared cache
(`CACHE_URL`: Redis in production, so every worker and replica counts together), and all the
scopes of a request are counted in one round trip (`apps.core.ratelimit.sliding_window`). Throttling
protects capacity, not security (reliability.md): while the cache is away requests pass.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from apps.accounts.models import ApiToken
from apps.core import ratelimit
from apps.ops.context import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rates() -> dict[str, str | None]:
    """The limit of each scope, as configured (`settings.API_THROTTLE_RATES`, the one place
    the defaults live); a scope absent or None is not limited."""
    return dict(settings.API_THROTTLE_RATES)


@lru_cache(maxsize=32)
def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/min"` → (600, 60): DRF's rate format (the period's first letter: s, m, h, d)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period[0]]


def caller_key(request: Request) -> str | None:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


class _Throttle(BaseThrottle):
    """One scope of a view's limits. The first of a view's throttles to be asked counts the
    request against every scope of the view's throttles at once (`ratelimit.sliding_window`:
    one cache round trip a request, however many scopes), and each throttle answers for its
    own scope. A refused scope does not count the request, as in DRF; the others do."""

    @classmethod
    def scope_for(cls, request: Request, view: Any) -> str | None:
        """The scope this request counts against, or None (not limited by this throttle)."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        waits = getattr(request, "_throttle_waits", None)
        if waits is None:
            waits = request._throttle_waits = _count(request, view)  # type: ignore[attr-defined]
        self._wait: float | None = waits.get(type(self))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def _count(request: Request, view: Any) -> dict[type, float | None]:
    """{throttle class: None (counted) or seconds to wait} for the view's throttles."""
    caller = caller_key(request) or f"ip:{client_ip(request) or 'unknown'}"
    configured = rates()
    classes: list[type] = []
    checks: list[tuple[str, int, float]] = []
    for cls in view.throttle_classes:
        scope = cls.scope_for(request, view) if issubclass(cls, _Throttle) else None
        rate = configured.get(scope or "")
        if scope is not None and rate is not None:
            count, period = parse_rate(rate)
            classes.append(cls)
            checks.append((f"api-throttle:{scope}:{caller}", count, period))
    return dict(zip(classes, ratelimit.sliding_window(checks), strict=True)) if checks else {}


class ReadWriteThrottle(_Throttle):
    """`read` for safe methods, `write` for the others; anonymous callers share `anon`."""

    @classmethod
    def scope_for(cls, request: Request, view: Any) -> str | None:
        if caller_key(request) is None:
            return "anon"
        return "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"


class SizingThrottle(_Throttle):
    """Engine runs: counted on the views' `engine_actions` (all POSTs of a view without
    actions, such as POST /sizing/)."""

    @classmethod
    def scope_for(cls, request: Request, view: Any) -> str | None:
        actions = getattr(view, "engine_actions", None)
        runs = (
            getattr(view, "action", None) in actions
            if actions is not None
            else request.method == "POST"
        )
        return "sizing" if runs else None
