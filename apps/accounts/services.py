"""Writes of the accounts app: organizations, users, the demo login."""
from django.db import transaction
from django.utils.text import slugify

from apps.core.exceptions import ApplicationError

from .choices import OrganizationKind, Role
from .models import Organization, User, role_errors

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
        return user_create(username=username, password=password, organization=org,
                           role=Role.SALES), True
    user.organization, user.role, user.is_active = org, Role.SALES, True
    user.set_password(password)
    user.save()
    return user, False
