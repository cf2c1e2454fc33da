"""Tenant scoping: who sees which organization's data (the rule in apps.accounts.selectors)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import User
from apps.accounts.selectors import (
    can_access_organization,
    scope_to_user,
    visible_organizations,
)

ALL = {"Lenovo", "Partner One", "Partner Two"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("superuser", ALL),
        ("seller_admin", ALL),
        ("seller_sales", {"Lenovo"}),
        ("p1_partner", {"Partner One"}),
        ("p1_admin", {"Partner One"}),
        ("p2_partner", {"Partner Two"}),
        ("inactive", set()),
    ],
)
def test_visible_organizations(personas, persona, expected):
    names = set(visible_organizations(personas[persona]).values_list("name", flat=True))
    assert names == expected


def test_anonymous_sees_nothing(personas):
    assert list(visible_organizations(AnonymousUser())) == []
    assert list(scope_to_user(User.objects.all(), AnonymousUser())) == []


def test_scope_to_user_filters_any_model_by_its_organization_field(personas):
    """Users belong to organizations, so they serve as the scoped model here."""
    partner_view = scope_to_user(User.objects.all(), personas["p1_partner"])
    admin_view = scope_to_user(User.objects.all(), personas["seller_admin"])
    assert set(partner_view.values_list("username", flat=True)) == {"p1", "p1admin"}
    assert admin_view.count() == User.objects.count()


def test_scope_to_user_follows_a_lookup_path(personas):
    from apps.accounts.models import Organization

    scoped = scope_to_user(Organization.objects.all(), personas["p2_partner"], org_field="pk")
    assert list(scoped.values_list("name", flat=True)) == ["Partner Two"]


def test_can_access_organization(personas, orgs):
    assert can_access_organization(personas["p1_partner"], orgs["p1"])
    assert not can_access_organization(personas["p1_partner"], orgs["p2"])
    assert not can_access_organization(personas["seller_sales"], orgs["p1"])
    assert can_access_organization(personas["seller_admin"], orgs["p2"])
