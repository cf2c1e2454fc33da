"""Share-link rate limits in the shared cache: wrong tokens from one client answer 429 with
Retry-After after the limit (30 in any 600 s: a sliding window, so a burst across a clock
window's end is refused too), a valid link keeps opening for everybody (another client, a
customer behind the same proxy, even the guessing address), and the count is one for every
process (counted here from separate Python processes through the real cache)."""

from __future__ import annotations

import os
import subprocess
import sys
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


# A fixed window's end (every window length here divides an hour): the burst tests straddle it.
BOUNDARY = 1_800_000_000.0


class Clock:
    """The limiter's clock, set by the test (`ratelimit.clock`); nothing else's time moves."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Stands still one second before a window boundary until a test moves it."""
    injected = Clock(BOUNDARY - 1)
    monkeypatch.setattr(ratelimit, "clock", injected)
    return injected


@pytest.fixture
def token(book, sales_user, media_root):
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        _quote, token = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    return token


@pytest.mark.usefixtures("clock")
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


@pytest.mark.usefixtures("clock")
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


@pytest.mark.usefixtures("clock")
def test_decisions_through_one_link_are_limited(client, token, settings) -> None:
    settings.RATE_LIMITS = {"share-decision": "3/600"}
    codes = [client.post(f"/q/{token}/accept/", {"name": ""}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert "decisions sent through this link" in client.post(f"/q/{token}/accept/").content.decode()
    assert client.get(f"/q/{token}/").status_code == 200  # the page still opens


def test_a_burst_across_a_window_boundary_is_refused(client, token, clock) -> None:
    """30 misses in the last second of one clock window and more in the first second of the
    next: a fixed window would count the second burst afresh (60 in 2 s); the sliding window
    refuses it until the first burst is 600 s old."""
    end_of_window = [client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.3.3.3") for _ in range(30)]
    assert [r.status_code for r in end_of_window] == [404] * 30
    clock.now = BOUNDARY + 1
    start_of_next = [client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.3.3.3") for _ in range(30)]
    assert {r.status_code for r in start_of_next} == {429}
    assert start_of_next[0]["Retry-After"] == "598"  # the first burst leaves at BOUNDARY + 599
    assert "Try again in 10 minutes." in start_of_next[0].content.decode()
    clock.now = BOUNDARY + 598.5
    late = client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.3.3.3")
    assert late.status_code == 429 and late["Retry-After"] == "1"
    assert "Try again in 1 second." in late.content.decode()
    assert client.get(f"/q/{token}/", REMOTE_ADDR="10.3.3.3").status_code == 200  # still opens
    clock.now = BOUNDARY + 599  # the first burst left the window: 30 more misses are counted
    codes = [client.get(f"/q/{WRONG}/", REMOTE_ADDR="10.3.3.3").status_code for _ in range(31)]
    assert codes == [404] * 30 + [429]


def test_decisions_across_a_window_boundary_are_refused(client, token, clock, settings) -> None:
    settings.RATE_LIMITS = {"share-decision": "3/600"}
    codes = [client.post(f"/q/{token}/accept/", {"name": ""}).status_code for _ in range(3)]
    clock.now = BOUNDARY + 1
    refused = client.post(f"/q/{token}/accept/", {"name": ""})
    assert codes == [400, 400, 400] and refused.status_code == 429
    assert refused["Retry-After"] == "598"
    clock.now = BOUNDARY + 599
    assert client.post(f"/q/{token}/accept/", {"name": ""}).status_code == 400  # counted again


def test_the_limit_is_settable_and_slides(clock, settings) -> None:
    limit = ratelimit.Limit("test-window", 2, 60)
    assert [ratelimit.hit(limit, "k") for _ in range(3)] == [None, None, 60]
    clock.now += 30
    assert ratelimit.hit(limit, "k") == 30  # the refused ones were not counted
    assert ratelimit.hit(limit, "other") is None  # its own budget
    clock.now += 29.5
    assert ratelimit.hit(limit, "k") == 1  # whole seconds, at least one
    clock.now += 0.5
    assert ratelimit.hit(limit, "k") is None
    settings.RATE_LIMITS = {"test-window": "1/10"}
    assert [ratelimit.hit(limit, "fresh") for _ in range(2)] == [None, 10]
    assert ratelimit.wait_message(40) == "Try again in 40 seconds."
    assert ratelimit.wait_message(600) == "Try again in 10 minutes."


COUNT_FROM_A_PROCESS = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
from apps.core import ratelimit
from apps.quotes.views import SHARE_MISSES
print("ready", flush=True)
sys.stdin.readline()  # all at once: the test says go when every process is ready
print(sum(ratelimit.hit(SHARE_MISSES, "203.0.113.50") is None for _ in range(10)))
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
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT_FROM_A_PROCESS],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    # A barrier, not a fixed start time: each process has Django up, then all count at once.
    assert [w.stdout.readline().strip() for w in workers] == ["ready"] * 3  # type: ignore[union-attr]
    for w in workers:
        w.stdin.write("go\n")  # type: ignore[union-attr]
        w.stdin.flush()  # type: ignore[union-attr]
    counted = [int(w.communicate(timeout=120)[0]) for w in workers]
    assert counted == [10, 10, 10] and [w.returncode for w in workers] == [0, 0, 0]
    # 30 counted for every process together: the 31st is refused, here as in any of them.
    assert ratelimit.hit(SHARE_MISSES, "203.0.113.50") is not None
    assert ratelimit.hit(SHARE_DECISIONS, "203.0.113.50") is None  # another limit's budget
