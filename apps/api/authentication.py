"""Partner API tokens: `Authorization: Bearer szp_<prefix>_<secret>`.

Why not DRF's TokenAuthentication: its key is stored in clear, one per user, and never
expires (reliability.md). Ours are hashed (SHA-256), many per user, expiring, revocable and
scoped (read / read-write); see `apps.accounts.models.ApiToken`. Session authentication stays
for the portal's own pages (with DRF's CSRF check).
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.models import ApiToken
from apps.accounts.selectors import api_token_authenticate
from apps.core import ratelimit
from apps.ops.context import client_ip

KEYWORD = "Bearer"
# Wrong tokens per client address (behind trusted proxies) in the shared cache; only failures
# count, so a valid token keeps working from an address where someone else guesses.
TOKEN_FAILURES = ratelimit.Limit("api-token-failure", 20, 600)


def _failed(message: str, request: Request) -> exceptions.APIException:
    """401, or 429 + Retry-After once this address sent too many wrong tokens."""
    wait = ratelimit.hit(TOKEN_FAILURES, client_ip(request) or "unknown")
    if wait is not None:
        limit = TOKEN_FAILURES.effective()
        return exceptions.Throttled(
            wait=wait,
            detail=f"Too many failed token attempts from your address ({limit.count} within "
            f"{limit.window_s} s).",
        )
    return exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`request.user` is the token's user, `request.auth` the ApiToken row."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise _failed(
                "Send the token as 'Authorization: Bearer szp_…' (one token, no spaces).", request
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise _failed("Invalid token.", request) from None
        row = api_token_authenticate(token)
        if row is None:
            raise _failed("Invalid, expired or revoked token.", request)
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
