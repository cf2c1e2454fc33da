"""Sessions: 30 minutes of inactivity, 12 hours whatever the activity; passwords validated."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.ops.models import AuditEvent
from apps.ops.signals import LOGIN_AT_SESSION_KEY, RENEWED_AT_SESSION_KEY

PAGE = "/quotes/"


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_RENEW_AFTER_SECONDS == 60
    assert settings.SESSION_ABSOLUTE_AGE == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


def _expiry(client) -> timezone.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_renews_the_30_minute_inactivity_timeout_once_a_minute(client, sales_user):
    client.force_login(sales_user)
    assert client.get(PAGE).status_code == 200
    expiry = _expiry(client)
    assert abs((expiry - timezone.now()) - timedelta(seconds=1800)) < timedelta(seconds=30)
    # 25 minutes later (the session row says so): a request renews the expiry.
    _set_key(client, RENEWED_AT_SESSION_KEY, int(time.time()) - 1500)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=300)
    )
    response = client.get(PAGE)
    assert response.status_code == 200
    assert _expiry(client) > timezone.now() + timedelta(seconds=1700)
    assert response.cookies["sessionid"]["max-age"] == 1800
    # Within the minute after a renewal, requests do not write the session.
    assert "sessionid" not in client.get(PAGE).cookies


def test_an_inactive_session_ends(client, sales_user):
    client.force_login(sales_user)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _set_key(client, key, value) -> None:
    session = client.session
    if value is None:
        session.pop(key, None)
    else:
        session[key] = value
    session.save()


def _set_login_at(client, value) -> None:
    _set_key(client, LOGIN_AT_SESSION_KEY, value)


def test_login_records_the_login_time(client, sales_user):
    client.force_login(sales_user)
    assert abs(client.session[LOGIN_AT_SESSION_KEY] - time.time()) < 30


def test_an_active_session_ends_after_the_absolute_lifetime(client, sales_user):
    client.force_login(sales_user)
    _set_login_at(client, int(time.time()) - 12 * 3600 + 60)
    assert client.get(PAGE).status_code == 200  # 11 h 59 min: still in
    _set_login_at(client, int(time.time()) - 12 * 3600 - 1)
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(PAGE).status_code == 302  # logged out for good
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.actor == sales_user
    assert event.details == {"reason": "absolute session lifetime reached"}


def test_a_session_without_a_login_time_ends(client, sales_user):
    client.force_login(sales_user)
    _set_login_at(client, None)
    assert client.get(PAGE).status_code == 302


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901"])
def test_weak_passwords_are_refused(sales_user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=sales_user)


def test_a_strong_password_passes(sales_user):
    validate_password("correct horse battery staple 42", user=sales_user)
