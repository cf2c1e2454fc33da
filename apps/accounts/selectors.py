"""Tenant scoping: the ONE place that decides which organizations' data a user may see.

The rule, used by every app through `scope_to_user`:

- anonymous or inactive users see nothing;
- superusers see every organization;
- an `admin` of the seller organization sees every organization (the seller supports all
  its partners);
- everybody else — `sales` users of the seller, and all users of a partner organization
  (whatever their role) — sees only their own organization's data;
- a non-superuser without an organization (which the database forbids) sees nothing.
"""

import hashlib
import hmac
from datetime import timedelta
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from .choices import OrganizationKind, Role
from .models import ApiToken, Organization, User

M = TypeVar("M", bound=Model)
AnyUser = User | AnonymousUser


def user_sees_all_organizations(user: AnyUser) -> bool:
    """True for superusers and admins of a seller organization (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    org = user.organization
    return user.role == Role.ADMIN and org is not None and org.kind == OrganizationKind.SELLER


def visible_organizations(user: AnyUser) -> QuerySet[Organization]:
    """The organizations whose data `user` may see."""
    return scope_to_user(Organization.objects.all(), user, org_field="pk")


def scope_to_user(
    queryset: QuerySet[M], user: AnyUser, org_field: str = "organization"
) -> QuerySet[M]:
    """Restrict `queryset` to the rows `user` may see.

    `org_field` is the lookup path from the queryset's model to its owning organization
    (`"organization"`, `"scenario__organization"`, or `"pk"` for Organization itself).
    """
    if user_sees_all_organizations(user):
        return queryset
    if not user.is_authenticated or not user.is_active or user.organization_id is None:
        return queryset.none()
    return queryset.filter(**{org_field: user.organization_id})


def can_access_organization(user: AnyUser, organization: Organization) -> bool:
    """True if `user` may see data owned by `organization`."""
    return visible_organizations(user).filter(pk=organization.pk).exists()


# --- API tokens ------------------------------------------------------------------------------

API_TOKEN_PREFIX = "szp_"  # noqa: S105 - the public marker of a token, not a secret
LAST_USED_RESOLUTION_S = 60  # `last_used_at` is written at most once a minute per token


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def api_tokens_active(user: AnyUser) -> QuerySet[ApiToken]:
    """Tokens `user` may see in the portal (their own; an admin also sees their organization's
    users' tokens) that are neither revoked nor expired."""
    return api_tokens_visible(user).filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def api_tokens_visible(user: AnyUser) -> QuerySet[ApiToken]:
    """Every token listed on the user's token page (revoked and expired ones included)."""
    if not user.is_authenticated or not user.is_active:
        return ApiToken.objects.none()
    tokens = ApiToken.objects.select_related("user")
    if user.role == Role.ADMIN and user.organization_id is not None:
        return tokens.filter(user__organization_id=user.organization_id)
    return tokens.filter(user=user)


def api_token_authenticate(token: str) -> ApiToken | None:
    """The live token row for `token` (with its user and organization), or None: unknown,
    malformed, revoked, expired, or its user inactive. No query while the row is in the shared
    cache (`apps.accounts.token_cache`, revocations honoured at once), else one;
    `last_used_at` is updated by a conditional UPDATE at most once a minute."""
    from . import token_cache

    prefix, _, secret = token.removeprefix(API_TOKEN_PREFIX).partition("_")
    if not token.startswith(API_TOKEN_PREFIX) or len(prefix) != 8 or not secret:
        return None
    digest = api_token_hash(token)
    version, row = token_cache.lookup(digest)
    cached = row is not None
    if row is None:
        row = (
            ApiToken.objects.select_related("user", "user__organization")
            .filter(prefix=prefix)
            .first()
        )
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = timezone.now()
    if row.revoked_at is not None or row.expires_at <= now or not row.user.is_active:
        return None
    stale = now - timedelta(seconds=LAST_USED_RESOLUTION_S)
    if row.last_used_at is None or row.last_used_at < stale:
        ApiToken.objects.filter(pk=row.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        row.last_used_at = now
        cached = False
    if not cached:
        token_cache.store(version, row)
    return row
