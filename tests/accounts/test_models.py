import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import User
from apps.accounts.services import organization_get_or_create, user_create
from apps.core.exceptions import ApplicationError

from .factories import make_org


def test_non_superuser_without_organization_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        User.objects.create_user("lonely", password="x" * 12)


def test_superuser_may_bootstrap_without_organization(db):
    root = User.objects.create_superuser("root", "root@example.com", "x" * 12)
    assert root.organization is None


def test_partner_role_in_seller_organization_fails_validation(orgs):
    user = User(username="x", organization=orgs["seller"], role=Role.PARTNER)
    with pytest.raises(ValidationError) as exc:
        user.full_clean(exclude=["password"])
    assert exc.value.message_dict["role"] == [
        "The partner role is only for users of a partner organization."
    ]


def test_user_create_refuses_sales_role_in_partner_org(orgs):
    with pytest.raises(ApplicationError) as exc:
        user_create(username="x", password="pw", organization=orgs["p1"], role=Role.SALES)
    assert exc.value.field_errors == {
        "role": ["The sales role is only for users of the seller organization."]
    }


def test_user_create_refuses_unknown_role(orgs):
    with pytest.raises(
        ApplicationError, match="Unknown role 'boss'; allowed: sales, manager, partner, admin"
    ):
        user_create(username="x", password="pw", organization=orgs["p1"], role="boss")


def test_organization_get_or_create_is_idempotent_and_slugs_the_name(db):
    first, created = organization_get_or_create("Acme Corp", OrganizationKind.PARTNER)
    again, created_again = organization_get_or_create("Acme Corp", OrganizationKind.PARTNER)
    assert (created, created_again, first.pk, first.slug) == (True, False, again.pk, "acme-corp")


def test_organization_kind_is_checked(db):
    make_org("Acme", OrganizationKind.PARTNER)
    with pytest.raises(ApplicationError, match="exists with kind 'partner', not 'seller'"):
        organization_get_or_create("Acme", OrganizationKind.SELLER)
    with pytest.raises(ApplicationError, match="Unknown organization kind 'vendor'"):
        organization_get_or_create("Other", "vendor")
