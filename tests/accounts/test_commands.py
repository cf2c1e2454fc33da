from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import Organization, User
from apps.accounts.services import DEMO_PASSWORD


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_demo_user", *args, stdout=out)
    return out.getvalue()


def test_create_demo_user_is_idempotent_and_prints_a_working_login(db):
    first = run()
    second = run()
    assert f"Login: username demo  password {DEMO_PASSWORD}" in first
    assert first.startswith("Created") and second.startswith("Updated")
    user = User.objects.get()
    org = Organization.objects.get()
    assert (org.name, org.kind) == ("Lenovo (demo)", OrganizationKind.SELLER)
    assert (user.organization, user.role) == (org, Role.SALES)
    assert authenticate(username="demo", password=DEMO_PASSWORD) == user


def test_create_demo_user_with_own_password_resets_it(db):
    run()
    output = run("--password", "another-secret-1")
    assert "password another-secret-1" in output
    assert authenticate(username="demo", password="another-secret-1") is not None
    assert authenticate(username="demo", password=DEMO_PASSWORD) is None


def test_create_demo_user_refuses_empty_password(db):
    with pytest.raises(CommandError, match="must not be empty"):
        run("--password", "")
