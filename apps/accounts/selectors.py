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
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from .choices import OrganizationKind, Role
from .models import Organization, User

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
