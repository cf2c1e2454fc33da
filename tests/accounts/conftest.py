import pytest

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import User

from .factories import make_org, make_user


@pytest.fixture
def orgs(db):
    return {
        "seller": make_org("Lenovo", OrganizationKind.SELLER),
        "p1": make_org("Partner One"),
        "p2": make_org("Partner Two"),
    }


@pytest.fixture
def personas(orgs):
    """One user per way of seeing data (see apps.accounts.selectors)."""
    inactive = make_user("inactive", orgs["seller"], Role.ADMIN)
    inactive.is_active = False
    inactive.save()
    return {
        "seller_sales": make_user("sales", orgs["seller"], Role.SALES),
        "seller_admin": make_user("selleradmin", orgs["seller"], Role.ADMIN),
        "p1_partner": make_user("p1", orgs["p1"], Role.PARTNER),
        "p1_admin": make_user("p1admin", orgs["p1"], Role.ADMIN),
        "p2_partner": make_user("p2", orgs["p2"], Role.PARTNER),
        "superuser": User.objects.create_superuser("root", "root@example.com", "x" * 12),
        "inactive": inactive,
    }
