"""Share-link rate limits in the shared cache: wrong tokens from one client answer 429 with
Retry-After after the limit, a valid link keeps opening for everybody (another client, a
customer behind the same proxy, even the guessing address), and the counter is one for every
process (counted here from separate Python processes through the real cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache

from apps.core import ratelimit
from apps.quotes import services
from apps.quotes.views import SHARE_DECISIONS, SHARE_MISSES

from . import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
WRONG = "w" * 43


@pytest.fixture
def one_window():
    """The clock of `ratelimit` stands one second into a window: the limits count in fixed
    windows (600 s for share links), and a test that ran across a window's end saw its count
    start again (a CI run at 18:50:00 UTC got 404s after the 30th miss instead of 429s)."""
    start = (time.time() // 3600 + 1) * 3600 + 1  # every window length here divides an hour
    with mock.patch("apps.core.ratelimit.time.time", return_value=start):
        yield


@pytest.fixture
def token(book, sales_user, media_root):
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        _quote, token = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    return token


@pytest.mark.usefixtures("one_window")
def test_200_wrong_tokens_from_one_client_do_not_lock_out_a_valid_link(client, token) -> None:
    codes = [client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.1.1.1").status_code for _ in range(200)]
    assert codes[:30] == [404] * 30 and set(codes[30:]) == {429}
    refused = client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.1.1.1")
    assert 0 < int(refused["Retry-After"]) <= 600
    text = refused.content.decode()
    assert "Too many attempts" in text and "Try again in" in text
    assert refused["Cache-Control"] == "no-store"

    assert client.get(f"/q/{token}/", REMOTE_ADDR="10.2.2.2").status_code == 200
    assert client.get(f"/q/{token}/", REMOTE_ADDR="10.1.1.1").status_code == 200
    assert client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.2.2.2").status_code == 404  # own budget


@pytest.mark.usefixtures("one_window")
def test_behind_a_trusted_proxy_each_customer_has_its_own_budget(client, token, settings) -> None:
    settings.OPS_TRUSTED_PROXIES = ["172.30.0.2"]
    settings.OPS_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "172.30.0.2"}
    for _ in range(31):
        last = client.get(f"/q/{WRONG}/", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert last.status_code == 429
    other = client.get(f"/q/{WRONG}/", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert other.status_code == 404
    # A client that reaches the web process directly cannot pick a new address.
    for n in range(31):
        spoofed = client.get(
            f"/q/{WRONG}/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}", REMOTE_ADDR="10.9.9.9"
        )
    assert spoofed.status_code == 429


@pytest.mark.usefixtures("one_window")
def test_decisions_through_one_link_are_limited(client, token, settings) -> None:
    settings.RATE_LIMITS = {"share-decision": "3/600"}
    codes = [client.post(f"/q/{token}/accept/", {"name": ""}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "decisions sent through this link" in client.post(f"/q/{token}/accept/").content.decode()
    assert client.get(f"/q/{token}/").status_code == 200  # the page still opens


@pytest.mark.usefixtures("one_window")
def test_the_limit_is_settable_and_the_window_ends() -> None:
    limit = ratelimit.Limit("test-window", 2, 60)
    states = [ratelimit.hit(limit, "k") for _ in range(3)]
    assert [s.exceeded for s in states] == [False, False, True]
    assert 0 < states[-1].retry_after <= 60
    assert ratelimit.peek(limit, "other").count == 0
    assert ratelimit.wait_message(40) == "Try again in 40 seconds."
    assert ratelimit.wait_message(600) == "Try again in 10 minutes."


COUNT_FROM_A_PROCESS = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
from apps.core import ratelimit
from apps.quotes.views import SHARE_MISSES
import time
time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))  # all at once
for _ in range(10):
    ratelimit.hit(SHARE_MISSES, "203.0.113.50")
"""


@pytest.mark.parametrize("backend", ["redis", "file"])
def test_processes_count_together(backend, settings, tmp_path) -> None:
    env = dict(os.environ)
    if backend == "file":  # the embedded default's shared store
        env["CACHE_URL"] = f"file://{tmp_path / 'cache'}"
        env.pop("CELERY_BROKER_URL", None)
        settings.CACHES = {
            "default": {
                "BACKEND": "apps.core.cache.SharedFileCache",
                "LOCATION": str(tmp_path / "cache"),
                "KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            }
        }
        cache.close()
    elif not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    env["START_AT"] = str(time.time() + 8)
    workers = [
        subprocess.Popen([sys.executable, "-c", COUNT_FROM_A_PROCESS], cwd=ROOT, env=env)
        for _ in range(3)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    assert ratelimit.peek(SHARE_MISSES, "203.0.113.50").count == 30
    assert ratelimit.peek(SHARE_DECISIONS, "203.0.113.50").count == 0
