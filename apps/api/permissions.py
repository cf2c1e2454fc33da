"""Who may call what. Object access is not decided here: selectors scope every lookup to the
caller's organization (404 across tenants). Here: authenticated, and token scope."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from apps.accounts.models import ApiToken


class IsAuthenticatedWithScope(permissions.BasePermission):
    """An authenticated, active user; a read-only token may use safe methods only (403)."""

    message = "This token is read-only; make a read-and-write token to change data."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "read_only_ok", False):
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write
