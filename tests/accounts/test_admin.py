import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_organization_changelist",
        "admin:accounts_user_add",
    ],
)
def test_admin_pages_load(admin_client, orgs, name):
    response = admin_client.get(reverse(name), {"q": "Partner"} if "changelist" in name else {})
    assert response.status_code == 200


def test_user_change_page_shows_organization_and_role(admin_client, personas):
    response = admin_client.get(
        reverse("admin:accounts_user_change", args=[personas["p1_partner"].pk])
    )
    assert response.status_code == 200
    assert 'name="organization"' in response.content.decode()
    assert 'name="role"' in response.content.decode()
