"""Bench setup (run inside the bench stack's environment): a seller organization with a sales
user, its logged-in session, an API token (read_write) and a saved scenario; prints JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from apps.accounts.choices import OrganizationKind, Role
    from apps.accounts.services import api_token_create, organization_get_or_create, user_create
    from apps.sizing import services as sizing_services

    org = organization_get_or_create("Bench Seller", OrganizationKind.SELLER)[0]
    user = user_create(
        username="bench", password="bench-password-long-1", organization=org, role=Role.SALES
    )
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(user)
    _, token = api_token_create(user=user, name="bench", scope="read_write", expires_in_days=7)
    scenario = sizing_services.scenario_create(
        user=user,
        name="bench",
        inputs={
            "kind": "inference",
            "model": "llama-3.1-8b",
            "gpu": "l40s-48gb",
            "nodes": 1,
            "inference": {"concurrent_users": 20, "prompt_tokens": 1024, "output_tokens": 256},
        },
    )
    print(
        json.dumps(
            {
                "sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "token": token,
                "scenario": scenario.pk,
                "user": user.pk,
            }
        )
    )


if __name__ == "__main__":
    main()
