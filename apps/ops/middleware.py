"""Middleware of the ops app. Order in settings.MIDDLEWARE:

0. `ForwardedHeadersMiddleware` — before everything: drops X-Forwarded-* / Forwarded headers
   unless the connection comes from a trusted proxy (`TRUSTED_PROXIES`), so a client that
   reaches a web replica directly cannot claim HTTPS (SECURE_PROXY_SSL_HEADER), another host
   or another address (audit log, throttles).
1. `HealthCheckMiddleware` — first: `/health/live` and `/health/ready` answer before host
   validation, the HTTPS redirect, sessions and CSRF (a container probe connects by IP over
   plain HTTP, and a probe must not create sessions).
2. `RequestContextMiddleware` — right after `apps.api.middleware.RequestIdMiddleware`: puts the
   request id and the request into the log/audit context and logs one access line per request.
3. `SessionLifetimeMiddleware` — after AuthenticationMiddleware: ends sessions older than
   `SESSION_ABSOLUTE_AGE` whatever the activity, and renews the 30-minute inactivity timeout
   (the session's age) at most once a minute.
4. `DatabaseUnavailableMiddleware` — turns a view's `OperationalError`/`InterfaceError` into
   503 + Retry-After (`handler500` in config/urls.py covers errors raised by middleware, and
   `apps.api.errors.exception_handler` those inside DRF views).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse

from .context import request_id_of, request_id_var, request_var
from .responses import is_database_unavailable, unavailable_response
from .signals import LOGIN_AT_SESSION_KEY, RENEWED_AT_SESSION_KEY

access_logger = logging.getLogger("apps.ops.access")
logger = logging.getLogger(__name__)

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
Handler = Callable[[HttpRequest], HttpResponse]


def _json(body: dict[str, object], status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@lru_cache(maxsize=8)
def _networks(
    spec: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def from_trusted_proxy(remote_addr: str, trusted: tuple[str, ...]) -> bool:
    """Whether `remote_addr` is one of the trusted proxies (addresses or CIDR networks).

    Asked on every request (`ForwardedHeadersMiddleware`): parsing the address with
    `ipaddress` cost ~25 µs of CPU a request on the bench box (bench/bench_api.py's /me/ is
    ~1 ms), so with no trusted proxy nothing is parsed, and answers are kept per (peer address,
    trusted proxies): the few addresses a replica sees (its proxies, its probes) repeat."""
    if not trusted:
        return False
    return _from_trusted_proxy(remote_addr, trusted)


@lru_cache(maxsize=1024)
def _from_trusted_proxy(remote_addr: str, trusted: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))


class ForwardedHeadersMiddleware:
    """Forwarded headers count only when the proxy sent them: from any other peer they are
    removed before Django (is_secure, get_host), DRF's throttles or the audit log read them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = tuple(settings.OPS_TRUSTED_PROXIES)
        if not from_trusted_proxy(request.META.get("REMOTE_ADDR", ""), trusted):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class HealthCheckMiddleware:
    """`/health/live`: the process answers (no dependency checked: restarting a web process
    cannot fix the database). `/health/ready`: the database, Redis and a Celery worker answer;
    503 when one does not. `?skip=worker` (comma-separated) leaves checks out, e.g. for a load
    balancer that should keep sending page traffic while workers are away."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path == LIVE_PATH:
            return _json({"status": "ok"})
        if path == READY_PATH:
            from .health import readiness

            skip = frozenset(s.strip() for s in request.GET.get("skip", "").split(",") if s)
            ready, checks = readiness(skip)
            return _json(
                {"status": "ok" if ready else "fail", "checks": checks},
                status=200 if ready else 503,
            )
        return self.get_response(request)


class RequestContextMiddleware:
    """Request id and request into the context (logs, audit); one structured access line."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid_token = request_id_var.set(request_id_of(request))
        req_token = request_var.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            if settings.OPS_ACCESS_LOG:
                user = getattr(request, "user", None)
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": getattr(user, "pk", None)
                        if getattr(user, "is_authenticated", False)
                        else None,
                    },
                )
            return response
        finally:
            request_var.reset(req_token)
            request_id_var.reset(rid_token)


class SessionLifetimeMiddleware:
    """Session lifetimes of a signed-in user.

    - Absolute: log out a session older than SESSION_ABSOLUTE_AGE (12 h) since its login. A
      session without a recorded login time (made before this was deployed) is ended too.
    - Inactivity: SESSION_COOKIE_AGE (30 min), renewed by activity. Instead of
      SESSION_SAVE_EVERY_REQUEST (one UPDATE of the session row per request, htmx updates
      included), the session is marked modified when its last renewal is older than
      SESSION_RENEW_AFTER_SECONDS (60 s): the timeout is 29 to 30 minutes of inactivity, for
      at most one write a minute per user.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            now = int(time.time())
            login_at = session.get(LOGIN_AT_SESSION_KEY)
            max_age = int(settings.SESSION_ABSOLUTE_AGE)
            if not isinstance(login_at, int) or now - login_at > max_age:
                request.ops_logout_reason = "absolute session lifetime reached"  # type: ignore[attr-defined]
                logout(request)
            else:
                renewed = session.get(RENEWED_AT_SESSION_KEY, login_at)
                if now - renewed >= int(settings.SESSION_RENEW_AFTER_SECONDS):
                    session[RENEWED_AT_SESSION_KEY] = now  # saved: new expiry, new cookie
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that lost the database answers 503 + Retry-After instead of a 500 trace. The
    services' transactions were rolled back by the server; nothing was half-written."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning(
            "database unavailable: %s: %s",
            type(exception).__name__,
            str(exception)[:200],
            extra={"path": request.path, "status": 503},
        )
        return unavailable_response(request)
