"""Partner API tokens: made in the portal and shown once, stored hashed, expiring,
revocable, scoped."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.choices import ApiTokenScope, Role
from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create
from apps.core.exceptions import ApplicationError

from .helpers import ApiClient, error_of, persona

TOKEN_RE = re.compile(r"szp_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice.user)
    return client


def test_the_portal_makes_a_token_and_shows_it_once(browser, alice):
    page = browser.get("/accounts/tokens/")
    assert page.status_code == 200 and b"New token" in page.content
    made = browser.post(
        "/accounts/tokens/", {"name": "CRM sync", "scope": "read_write", "expires_in_days": "90"}
    )
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = TOKEN_RE.search(made.content.decode()).group(0)
    row = ApiToken.objects.get(name="CRM sync")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    assert row.scope == "read_write" and row.user == alice.user
    assert timedelta(days=89) < row.expires_at - timezone.now() <= timedelta(days=90)
    listing = browser.get("/accounts/tokens/").content.decode()
    assert f"szp_{row.prefix}_…" in listing and token not in listing
    assert ApiClient(token).get("/api/v1/me/").json()["token_name"] == "CRM sync"


def test_the_portal_refuses_a_bad_form(browser):
    page = browser.post(
        "/accounts/tokens/", {"name": "", "scope": "admin", "expires_in_days": "1000"}
    )
    assert page.status_code == 200 and not ApiToken.objects.filter(name="").exists()
    assert b"field-error" in page.content


def test_token_pages_need_a_login(client, db):
    assert client.get("/accounts/tokens/").status_code == 302


def test_revoking_in_the_portal_stops_the_token(browser, alice):
    assert alice.client.get("/api/v1/me/").status_code == 200
    row = ApiToken.objects.get(user=alice.user)
    response = browser.post(f"/accounts/tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    refused = alice.client.get("/api/v1/me/")
    assert refused.status_code == 401 and error_of(refused)["code"] == "authentication_failed"
    assert browser.get(f"/accounts/tokens/{row.pk}/revoke/").status_code == 405


def test_nobody_else_can_revoke_or_see_a_token(alice, bob, carol):
    row = ApiToken.objects.get(user=alice.user)
    for other in (bob, carol):
        client = Client()
        client.force_login(other.user)
        assert client.post(f"/accounts/tokens/{row.pk}/revoke/").status_code == 404
        assert f"szp_{row.prefix}".encode() not in client.get("/accounts/tokens/").content
    assert alice.client.get("/api/v1/me/").status_code == 200


def test_an_organization_admin_sees_and_revokes_its_users_tokens(alice, orgs):
    admin = persona("a-admin", orgs["a"], Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    row = ApiToken.objects.get(user=alice.user)
    assert f"szp_{row.prefix}".encode() in client.get("/accounts/tokens/").content
    assert client.post(f"/accounts/tokens/{row.pk}/revoke/").status_code == 302
    assert alice.client.get("/api/v1/me/").status_code == 401


def test_revoking_a_cached_token_stops_it_at_once(alice):
    from apps.accounts.services import api_token_revoke

    assert alice.client.get("/api/v1/me/").status_code == 200
    assert alice.client.get("/api/v1/me/").status_code == 200  # from the shared cache now
    api_token_revoke(token=ApiToken.objects.get(user=alice.user))
    assert alice.client.get("/api/v1/me/").status_code == 401


def _deactivate(user):
    user.is_active = False
    user.save()


def _revoke_by_saving(user):
    row = ApiToken.objects.get(user=user)
    row.revoked_at = timezone.now()
    row.save()


@pytest.mark.parametrize(
    "change",
    [_deactivate, _revoke_by_saving, lambda user: ApiToken.objects.get(user=user).delete()],
    ids=["user deactivated", "token revoked by save", "token deleted"],
)
def test_changes_to_the_rows_reach_the_cached_authentication(alice, change):
    assert alice.client.get("/api/v1/me/").status_code == 200
    change(alice.user)
    assert alice.client.get("/api/v1/me/").status_code == 401


def test_a_renamed_organization_shows_at_once(alice):
    assert alice.client.get("/api/v1/me/").json()["organization"] == "partner-a"
    org = alice.user.organization
    org.slug = "partner-a-renamed"
    org.save()
    assert alice.client.get("/api/v1/me/").json()["organization"] == "partner-a-renamed"


def test_a_cached_token_expires_on_time(alice, monkeypatch):
    row = ApiToken.objects.get(user=alice.user)
    assert alice.client.get("/api/v1/me/").status_code == 200
    later = row.expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert alice.client.get("/api/v1/me/").status_code == 401


def test_cached_entries_hold_no_password_and_no_token(alice):
    from django.core.cache import cache

    from apps.accounts import token_cache

    alice.client.get("/api/v1/me/")
    entry = cache.get(token_cache._key(hashlib.sha256(alice.token.encode()).hexdigest()))
    assert entry is not None
    assert alice.user.password not in repr(entry) and alice.token not in repr(entry)


def test_expired_tokens_are_refused(alice):
    ApiToken.objects.filter(user=alice.user).update(expires_at=timezone.now())
    assert alice.client.get("/api/v1/me/").status_code == 401


def test_inactive_users_tokens_are_refused(alice):
    alice.user.is_active = False
    alice.user.save()
    assert alice.client.get("/api/v1/me/").status_code == 401


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(alice):
    prefix = alice.token.split("_")[1]
    assert ApiClient(f"szp_{prefix}_{'A' * 43}").get("/api/v1/me/").status_code == 401


def test_me_describes_the_credentials(alice_ro):
    body = alice_ro.client.get("/api/v1/me/").json()
    assert body["username"] == "alice" and body["organization"] == "partner-a"
    assert body["auth"] == "token" and body["token_scope"] == "read"
    assert set(body["rate_limits"]) == {"read", "write", "sizing"}


def test_me_answers_what_its_schema_serializer_renders(alice_ro, browser):
    """/me/ builds its answer as a plain dict (no DRF field machinery per request); it is
    exactly what MeSerializer, the schema's description of it, renders for the same caller."""
    from apps.api.throttles import rates
    from apps.api.views.meta import MeSerializer

    row = ApiToken.objects.get(token_hash=hashlib.sha256(alice_ro.token.encode()).hexdigest())
    expected = MeSerializer(
        {
            "username": "alice",
            "organization": "partner-a",
            "organization_kind": row.user.organization.kind,
            "role": row.user.role,
            "auth": "token",
            "token_name": row.name,
            "token_scope": row.scope,
            "token_expires_at": row.expires_at,
            "rate_limits": {k: v for k, v in rates().items() if k != "anon"},
        }
    ).data
    body = alice_ro.client.get("/api/v1/me/").json()
    assert body == expected and body["token_expires_at"].endswith("Z")
    session = browser.get("/api/v1/me/").json()
    assert session["auth"] == "session" and session["token_expires_at"] is None
    assert session["token_name"] is None and session["token_scope"] is None
    assert {k: session[k] for k in ("username", "role", "rate_limits")} == {
        k: expected[k] for k in ("username", "role", "rate_limits")
    }


def test_last_used_is_recorded(alice):
    row = ApiToken.objects.get(user=alice.user)
    assert row.last_used_at is None
    alice.client.get("/api/v1/me/")
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"name": " "}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_in_days": 3650}, "expires_in_days"),
    ],
)
def test_token_service_refusals(alice, kwargs, field):
    args = {"user": alice.user, "name": "x", "scope": ApiTokenScope.READ, "expires_in_days": 30}
    with pytest.raises(ApplicationError) as exc:
        api_token_create(**{**args, **kwargs})
    assert field in exc.value.field_errors


@pytest.mark.django_db(transaction=True)
def test_a_revocation_in_another_process_is_honoured_at_once(postgres):
    """Two gunicorn workers: this process has the token cached; another process revokes it
    (through the service, like the portal page); the very next request here is refused."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.core.cache import cache
    from django.db import connection

    from tests.accounts.factories import make_org, make_user

    cache.clear()  # start from an empty shared cache: earlier tests' auth versions stay out
    user = make_user("dora", make_org("Partner D"), Role.PARTNER)
    row, token = api_token_create(user=user, name="t", scope=ApiTokenScope.READ, expires_in_days=7)
    client = ApiClient(token)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200  # cached
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django; django.setup(); from apps.accounts.models import ApiToken; "
        "from apps.accounts.services import api_token_revoke; "
        f"api_token_revoke(token=ApiToken.objects.get(pk={row.pk}))"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent.parent,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "CACHE_URL": _cache_url(),  # the very cache this process reads (another worker's)
        },
        check=True,
        timeout=60,
    )
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 401 and error_of(refused)["code"] == "authentication_failed"


def _cache_url() -> str:
    """This process's shared cache as a CACHE_URL, for a second process to share it."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    location = str(cache["LOCATION"])
    return location if "://" in location else f"file://{location}"
