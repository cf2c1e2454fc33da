"""Failed API-token logins are throttled per client address in the shared cache (429 +
Retry-After with a clear message), without locking out a valid token from the same address;
the anonymous limit cannot be dodged by rewriting X-Forwarded-For."""

from __future__ import annotations

from apps.core import ratelimit

from .helpers import ApiClient, error_of

BAD = "szp_abcdefgh_" + "x" * 32


def test_failed_token_logins_get_429_after_the_limit(alice, settings):
    settings.RATE_LIMITS = {"api-token-failure": "5/600"}
    guesser = ApiClient(BAD)
    codes = [guesser.get("/api/v1/me/").status_code for _ in range(5)]
    assert codes == [401] * 5
    refused = guesser.get("/api/v1/me/")
    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "throttled"
    assert "Too many failed token attempts from your address (5 within 600 s)" in error["message"]
    assert 0 < int(refused["Retry-After"]) <= 600
    assert ApiClient("not-even-a-token").get("/api/v1/me/").status_code == 429

    # A valid token from the same address still works; another address has its own budget.
    assert alice.client.get("/api/v1/me/").status_code == 200
    elsewhere = guesser.client.get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {BAD}", REMOTE_ADDR="10.7.7.7"
    )
    assert elsewhere.status_code == 401


def test_the_anonymous_limit_ignores_a_rewritten_forwarded_for(anonymous, settings):
    settings.API_THROTTLE_RATES = {"anon": "2/min"}
    codes = [
        anonymous.get("/api/v1/schema/", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_failed_tokens_across_a_window_boundary_are_refused(db, settings, monkeypatch):
    """5 wrong tokens in the last second of a clock window, the 6th in the first second of the
    next: refused (a fixed window would let 5 more in), until the first 5 are 600 s old."""
    settings.RATE_LIMITS = {"api-token-failure": "5/600"}
    boundary = 1_800_000_000.0  # a multiple of 600
    now = [boundary - 1]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0])
    guesser = ApiClient(BAD)
    assert [guesser.get("/api/v1/me/").status_code for _ in range(5)] == [401] * 5
    now[0] = boundary + 1
    refused = guesser.get("/api/v1/me/")
    assert refused.status_code == 429 and refused["Retry-After"] == "598"
    now[0] = boundary + 599
    assert guesser.get("/api/v1/me/").status_code == 401
