"""Shared API-test helpers: personas with tokens, a client that speaks JSON with a token, and
test data built through the real services (the same code paths as the portal)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from apps.accounts.choices import ApiTokenScope, OrganizationKind, Role
from apps.accounts.services import api_token_create
from apps.catalog.models import PriceBook
from apps.quotes import services as quote_services
from apps.quotes.models import Quote
from apps.sizing import services as sizing_services
from apps.sizing.models import Scenario
from tests.accounts.factories import make_org, make_user

ONE_NODE_INFERENCE: dict[str, Any] = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 1,
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300},
}
CUSTOMER = {
    "customer_company": "Acme AI",
    "customer_contact": "Ada Lovelace",
    "customer_email": "ada@acme.example",
}


class ApiClient:
    """Django's test client with JSON bodies and an optional bearer token."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**out, **(extra or {})}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        raw: bytes | str | None = None,
        **query: Any,
    ) -> Any:
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD") or data is None and method.upper() == "DELETE":
            return call(path, query or None, headers=self.headers(headers))
        return call(
            path,
            data if data is not None else "",
            content_type=content_type,
            headers=self.headers(headers),
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@dataclass
class Persona:
    user: Any
    token: str
    client: ApiClient


def persona(
    username: str, org: Any, role: str = Role.PARTNER, scope: str = ApiTokenScope.READ_WRITE
) -> Persona:
    user = make_user(username, org, role)
    return with_token(user, scope)


def with_token(user: Any, scope: str = ApiTokenScope.READ_WRITE) -> Persona:
    _row, token = api_token_create(
        user=user, name=f"{user.username}-{scope}", scope=scope, expires_in_days=30
    )
    return Persona(user, token, ApiClient(token))


def partner_org(name: str) -> Any:
    return make_org(name, OrganizationKind.PARTNER)


def make_scenario(user: Any, name: str = "One node", inputs: dict | None = None) -> Scenario:
    return sizing_services.scenario_create(
        user=user, name=name, inputs=inputs or ONE_NODE_INFERENCE
    )


def make_quote(user: Any, scenario: Scenario | None = None) -> Quote:
    scenario = scenario or make_scenario(user)
    return quote_services.quote_create_from_scenario(
        user=user,
        scenario=scenario,
        price_book=PriceBook.objects.get(code="SAMPLE-USD"),
        **CUSTOMER,
    )


def error_of(response: Any) -> dict[str, Any]:
    """The API's error body, checked for the one shape."""
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["request_id"] == response["X-Request-ID"]
    return body["error"]
