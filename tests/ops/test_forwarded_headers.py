"""Forwarded headers are trusted only from the reverse proxy (TRUSTED_PROXIES): a client that
reaches a replica directly cannot claim HTTPS, another address or another host."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from apps.ops.context import client_ip
from apps.ops.middleware import ForwardedHeadersMiddleware, from_trusted_proxy

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
PROXY = "172.30.0.2"


def _seen(request) -> HttpResponse:
    return HttpResponse(f"{request.is_secure()} {client_ip(request)}")


@pytest.fixture
def behind_proxy(settings):
    settings.OPS_TRUSTED_PROXIES = [PROXY, "10.8.0.0/16"]
    settings.OPS_TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.parametrize(
    ("remote", "trusted"),
    [(PROXY, True), ("10.8.3.4", True), ("10.9.0.1", False), ("203.0.113.9", False), ("", False)],
)
def test_only_the_proxy_is_trusted(behind_proxy, rf, remote, trusted):
    request = rf.get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    body = ForwardedHeadersMiddleware(_seen)(request).content.decode()
    assert body == ("True 198.51.100.7" if trusted else f"False {remote or None}")
    assert from_trusted_proxy(remote, (PROXY, "10.8.0.0/16")) is trusted


def test_the_answer_follows_the_trusted_proxies_setting(settings, rf):
    """Answers are kept per (peer, trusted proxies): the same peer is trusted, then not once
    the setting no longer lists it, then again."""
    for proxies, trusted in (([PROXY], True), (["10.8.0.0/16"], False), ([PROXY], True)):
        settings.OPS_TRUSTED_PROXIES = proxies
        request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_HOST="portal.example")
        ForwardedHeadersMiddleware(_seen)(request)
        assert ("HTTP_X_FORWARDED_HOST" in request.META) is trusted


def test_nothing_is_trusted_by_default(settings, rf):
    settings.OPS_TRUSTED_PROXIES = []
    request = rf.get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_HOST="evil.example", HTTP_FORWARDED="for=1.2.3.4"
    )
    ForwardedHeadersMiddleware(_seen)(request)
    assert "HTTP_X_FORWARDED_HOST" not in request.META and "HTTP_FORWARDED" not in request.META


def test_the_https_redirect_ignores_a_client_claiming_https(behind_proxy, client, db):
    """Through the whole middleware stack with the production redirect on: a direct client
    saying X-Forwarded-Proto: https is still redirected; the proxy's word is taken."""
    behind_proxy.SECURE_SSL_REDIRECT = True
    direct = client.get(
        "/accounts/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9"
    )
    assert direct.status_code == 301 and direct["Location"].startswith("https://")
    proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=PROXY)
    assert proxied.status_code == 200


def test_a_bad_trusted_proxy_setting_is_refused():
    import subprocess  # nosec B404
    import sys

    run = subprocess.run(  # nosec B603 - fixed argv
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TRUSTED_PROXIES": "proxy.local",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        run.returncode != 0 and "TRUSTED_PROXIES: 'proxy.local' is not an IP address" in run.stderr
    )
