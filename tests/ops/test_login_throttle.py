"""Sign-in throttling: per (username, address) and per address, counted in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ops.models import AuditEvent, LoginFailure
from apps.ops.services import login_throttle_wait

LOGIN = "/accounts/login/"
PASSWORD = "pw-for-tests-only"  # tests.quotes.factories.make_user


def attempt(client, username, password, ip="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_times(client, n, username="olga", ip="10.0.0.1"):
    for _ in range(n):
        response = attempt(client, username, "wrong", ip)
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()


def test_five_failures_lock_the_pair_with_a_clear_message(client, sales_user):
    fail_times(client, 5)
    response = attempt(client, "olga", PASSWORD)
    assert response.status_code == 429 and 890 <= int(response["Retry-After"]) <= 900
    text = response.content.decode()
    assert "Too many failed sign-in attempts" in text and "Try again in 15 minute(s)" in text
    assert "_auth_user_id" not in client.session
    # Refusals while locked do not extend the lock; they are audited.
    assert LoginFailure.objects.count() == 5
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1


def test_the_lock_is_per_username_and_address(client, sales_user):
    fail_times(client, 5)
    assert attempt(client, "olga", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    fail_times(client, 5, username="OLGA ", ip="10.0.0.3")  # case and spaces do not help
    assert "Too many" in attempt(client, "olga", PASSWORD, ip="10.0.0.3").content.decode()


def test_the_lock_lifts_after_the_window(client, sales_user):
    fail_times(client, 5)
    assert 890 <= login_throttle_wait("olga", "10.0.0.1") <= 900
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(seconds=901))
    assert login_throttle_wait("olga", "10.0.0.1") == 0
    assert attempt(client, "olga", PASSWORD).status_code == 302


def test_a_success_clears_the_pairs_failures(client, sales_user):
    fail_times(client, 4)
    assert attempt(client, "olga", PASSWORD).status_code == 302
    assert LoginFailure.objects.count() == 0


def test_spraying_from_one_address_is_throttled(client, settings, sales_user):
    settings.LOGIN_FAILURE_IP_LIMIT = 3
    for name in ("ann", "bob", "cid"):
        fail_times(client, 1, username=name)
    assert "Too many" in attempt(client, "olga", PASSWORD).content.decode()
    assert attempt(client, "olga", PASSWORD, ip="10.0.0.9").status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user):
    for _ in range(5):
        attempt(client, "admin", "wrong", url="/admin/login/")
    response = attempt(client, "admin", "password", url="/admin/login/")
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()


@pytest.mark.parametrize(
    "hops,forwarded,expected",
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no proxy trusted: the header is ignored
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # one proxy: the address it saw
    ],
)
def test_the_address_behind_trusted_proxies(rf, settings, hops, forwarded, expected):
    from apps.ops.context import client_ip

    settings.OPS_TRUSTED_PROXY_COUNT = hops
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
