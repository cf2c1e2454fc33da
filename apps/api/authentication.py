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

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`request.user` is the token's user, `request.auth` the ApiToken row."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer szp_…' (one token, no spaces)."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        row = api_token_authenticate(token)
        if row is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
