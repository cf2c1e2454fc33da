"""Run as a subprocess by test_database_outage.py: the portal with DATABASE_URL pointing at a
port where no PostgreSQL listens, driven through Django's test client. Prints one JSON object
with what each request answered."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    token = "szp_abcd1234_" + "x" * 43
    calls = {
        "page": lambda: client.get("/sizing/"),
        "htmx": lambda: client.get("/quotes/", HTTP_HX_REQUEST="true"),
        "api": lambda: client.get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_REQUEST_ID="outage-test-1"
        ),
        "api_post": lambda: client.post(
            "/api/v1/sizing/",
            data="{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ),
        "login": lambda: client.post("/accounts/login/", {"username": "u", "password": "p"}),
        "share": lambda: client.get("/q/" + "t" * 43 + "/"),
        "ready": lambda: client.get("/health/ready"),
        "live": lambda: client.get("/health/live"),
    }
    out = {}
    for name, call in calls.items():
        response = call()
        out[name] = {
            "status": response.status_code,
            "retry_after": response.get("Retry-After"),
            "content_type": response.get("Content-Type", ""),
            "body": response.content.decode("utf-8", "replace")[:3000],
        }
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
