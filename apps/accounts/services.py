"""Writes of the accounts app: organizations, users, the demo login, API tokens."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.core.exceptions import ApplicationError
from apps.ops.services import audit_record

from . import token_cache
from .choices import ApiTokenScope, OrganizationKind, Role
from .models import ApiToken, Organization, User, role_errors
from .selectors import api_token_hash, api_tokens_active

DEMO_ORGANIZATION_NAME = "Lenovo (demo)"
DEMO_USERNAME = "demo"
# Documented in the README: a fixed demo login for the embedded (local) installation only.
DEMO_PASSWORD = "demo-sizing-portal"  # noqa: S105 - public demo login, local installs only


def organization_get_or_create(name: str, kind: str) -> tuple[Organization, bool]:
    """Return the organization called `name`, creating it (slug from the name) if missing.

    Refuses an unknown kind, or an existing organization of another kind.
    """
    if kind not in OrganizationKind.values:
        allowed = ", ".join(OrganizationKind.values)
        raise ApplicationError(f"Unknown organization kind {kind!r}; allowed: {allowed}.")
    org, created = Organization.objects.get_or_create(
        name=name, defaults={"kind": kind, "slug": slugify(name)}
    )
    if org.kind != kind:
        raise ApplicationError(
            f"Organization {name!r} exists with kind {org.kind!r}, not {str(kind)!r}."
        )
    return org, created


def user_create(*, username: str, password: str, organization: Organization, role: str) -> User:
    """Create an active user of `organization` with `role` (checked against the org's kind)."""
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}; allowed: {', '.join(Role.values)}.")
    errors = role_errors(role, organization, is_superuser=False)
    if errors:
        raise ApplicationError("Invalid user.", {k: [v] for k, v in errors.items()})
    return User.objects.create_user(
        username=username, password=password, organization=organization, role=role
    )


@transaction.atomic
def demo_user_ensure(
    username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD
) -> tuple[User, bool]:
    """Idempotently create the seller organization "Lenovo (demo)" and a sales user in it.

    Running it again resets the user's password to `password` (so the printed login always
    works) and moves it back into the demo organization. Returns (user, created).
    """
    if not password:
        raise ApplicationError("The demo password must not be empty.")
    org, _ = organization_get_or_create(DEMO_ORGANIZATION_NAME, OrganizationKind.SELLER)
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(
            username=username, password=password, organization=org, role=Role.SALES
        ), True
    user.organization, user.role, user.is_active = org, Role.SALES, True
    user.set_password(password)
    user.save()
    return user, False


# --- API tokens ------------------------------------------------------------------------------
# The partner REST API's credentials. Only the SHA-256 of a token is stored; the token itself
# is returned once by `api_token_create` and cannot be shown again.

API_TOKEN_EXPIRY_DAYS = (7, 30, 90, 365)
API_TOKEN_MAX_ACTIVE = 20  # per user


def api_token_create(
    *, user: User, name: str, scope: str, expires_in_days: int
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the token text (`szp_<prefix>_<secret>`)."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > 100:
        errors["name"] = ["Give the token a name of 1 to 100 characters."]
    if scope not in ApiTokenScope.values:
        errors["scope"] = [f"Choose one of: {', '.join(ApiTokenScope.values)}."]
    if expires_in_days not in API_TOKEN_EXPIRY_DAYS:
        errors["expires_in_days"] = [
            f"Choose one of: {', '.join(map(str, API_TOKEN_EXPIRY_DAYS))} days."
        ]
    if user.organization_id is None or not user.is_active:
        errors["__all__"] = ["Only an active user of an organization can make API tokens."]
    elif api_tokens_active(user).filter(user=user).count() >= API_TOKEN_MAX_ACTIVE:
        errors["__all__"] = [f"You have {API_TOKEN_MAX_ACTIVE} active tokens; revoke one first."]
    if errors:
        raise ApplicationError("Invalid API token.", errors)
    while True:  # a prefix collision (1 in 2**32 per pair) just draws again
        prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        token = f"szp_{prefix}_{secret}"
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            token_hash=api_token_hash(token),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        audit_record(
            "api_token.created",
            actor=user,
            obj=row,
            details={
                "owner": user.get_username(),
                "prefix": prefix,
                "scope": scope,
                "expires_at": row.expires_at.isoformat(),
            },
        )
    return row, token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke now (idempotent: a revoked token keeps its first revocation time)."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
        if revoked:
            token_cache.invalidate()  # every worker refuses it from now on
            audit_record(
                "api_token.revoked",
                obj=token,
                details={"owner": token.user.get_username(), "prefix": token.prefix},
            )
    return token
