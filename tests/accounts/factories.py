"""Build organizations and users through the real services."""

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import Organization, User
from apps.accounts.services import organization_get_or_create, user_create

PASSWORD = "correct-horse-battery"


def make_org(name: str, kind: str = OrganizationKind.PARTNER) -> Organization:
    return organization_get_or_create(name, kind)[0]


def make_user(username: str, org: Organization, role: str = Role.SALES) -> User:
    return user_create(username=username, password=PASSWORD, organization=org, role=role)
