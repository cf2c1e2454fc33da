"""Tenant isolation: every object endpoint × every persona.

Personas: the owner (read-write token), another user of the same partner, a user of another
partner (404: another tenant's object is indistinguishable from a missing one), the owner's
read-only token (writes 403), and no credentials (401). After every refusal the object is
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from apps.quotes import services as quote_services
from apps.quotes.models import Quote
from apps.sizing.models import Scenario

from .helpers import ONE_NODE_INFERENCE, error_of, make_quote, make_scenario

PERSONAS = ["owner", "colleague", "other_partner", "read_only", "anonymous"]


def draft_quote(user: Any) -> Quote:
    return make_quote(user)


def sent_quote(user: Any) -> Quote:
    quote, _ = quote_services.quote_send(user=user, quote=make_quote(user))
    return quote


def quote_with_pdf(user: Any) -> Quote:
    quote = sent_quote(user)
    quote_services.pdf_job_run(quote.pdf_job.pk)  # the Celery task's body, in-process
    return quote


@dataclass
class Endpoint:
    method: str
    path: str  # {pk} is the object's id
    make: Callable[[Any], Any]
    # expected status by persona: owner, colleague, other partner, read-only, anonymous
    expected: tuple[int, int, int, int, int]
    body: dict[str, Any] | None = None
    unchanged: Callable[[Any], bool] | None = None


def _scenario_unchanged(s: Scenario) -> bool:
    return Scenario.objects.filter(pk=s.pk, name=s.name, inputs=s.inputs).exists()


def _quote_unchanged(q: Quote) -> bool:
    return (
        Quote.objects.filter(pk=q.pk, status=q.status).exists()
        and not Quote.objects.filter(previous=q).exists()
    )


ENDPOINTS = {
    "scenario retrieve": Endpoint(
        "GET", "/api/v1/scenarios/{pk}/", make_scenario, (200, 200, 404, 200, 401)
    ),
    "scenario update": Endpoint(
        "PATCH",
        "/api/v1/scenarios/{pk}/",
        make_scenario,
        (200, 403, 404, 403, 401),
        {"name": "Renamed"},
        _scenario_unchanged,
    ),
    "scenario delete": Endpoint(
        "DELETE",
        "/api/v1/scenarios/{pk}/",
        make_scenario,
        (204, 403, 404, 403, 401),
        None,
        _scenario_unchanged,
    ),
    "scenario run again": Endpoint(
        "POST",
        "/api/v1/scenarios/{pk}/run/",
        make_scenario,
        (200, 403, 404, 403, 401),
        None,
        _scenario_unchanged,
    ),
    "quote retrieve": Endpoint(
        "GET", "/api/v1/quotes/{pk}/", draft_quote, (200, 200, 404, 200, 401)
    ),
    "quote revise": Endpoint(
        "POST",
        "/api/v1/quotes/{pk}/revise/",
        sent_quote,
        (201, 201, 404, 403, 401),
        None,
        _quote_unchanged,
    ),
    "quote send": Endpoint(
        "POST",
        "/api/v1/quotes/{pk}/send/",
        draft_quote,
        (200, 200, 404, 403, 401),
        None,
        _quote_unchanged,
    ),
    "pdf status": Endpoint(
        "GET", "/api/v1/quotes/{pk}/pdf/", sent_quote, (200, 200, 404, 200, 401)
    ),
    "pdf request": Endpoint(
        "POST", "/api/v1/quotes/{pk}/pdf/", sent_quote, (202, 202, 404, 403, 401)
    ),
}
# Reads of an object that takes a render to make: one object serves every persona (a GET
# changes nothing), so the document is rendered once, not once per persona; from the one-page
# template (`one_page_document`): who may download it is the subject, not its pages (~0.05 s of
# CPU instead of ~1-3 s for the whole document).
SHARED_OBJECT = {
    "pdf download": Endpoint(
        "GET", "/api/v1/quotes/{pk}/pdf/download/", quote_with_pdf, (200, 200, 404, 200, 401)
    ),
}


@pytest.fixture
def callers(alice, bob, carol, alice_ro, anonymous):
    return {
        "owner": alice.client,
        "colleague": bob.client,
        "other_partner": carol.client,
        "read_only": alice_ro.client,
        "anonymous": anonymous,
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ENDPOINTS)
def test_tenant_matrix(name, persona, alice, callers, media_root):
    endpoint = ENDPOINTS[name]
    _check(name, endpoint, endpoint.make(alice.user), persona, callers)


@pytest.mark.parametrize("name", SHARED_OBJECT)
def test_tenant_matrix_of_reads_on_one_object(name, alice, callers, media_root, one_page_document):
    endpoint = SHARED_OBJECT[name]
    obj = endpoint.make(alice.user)
    for persona in PERSONAS:
        _check(name, endpoint, obj, persona, callers)


def _check(name: str, endpoint: Endpoint, obj: Any, persona: str, callers: Any) -> None:
    expected = endpoint.expected[PERSONAS.index(persona)]
    response = callers[persona].request(
        endpoint.method, endpoint.path.format(pk=obj.pk), endpoint.body
    )
    assert response.status_code == expected, (name, persona, response.content[:300])
    if expected >= 400:
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[expected]
        assert error_of(response)["code"] == code
        if endpoint.unchanged is not None:
            assert endpoint.unchanged(obj), (name, persona)


def test_lists_show_only_the_callers_organization(alice, bob, carol):
    make_scenario(alice.user, "A's")
    make_quote(bob.user)
    theirs = make_quote(carol.user)
    assert carol.client.get("/api/v1/scenarios/").json()["count"] == 1
    assert [q["id"] for q in carol.client.get("/api/v1/quotes/").json()["results"]] == [theirs.pk]
    assert alice.client.get("/api/v1/scenarios/").json()["count"] == 2
    assert theirs.pk not in [q["id"] for q in alice.client.get("/api/v1/quotes/").json()["results"]]


def test_an_admin_of_the_organization_may_change_a_colleagues_scenario(alice, orgs):
    from apps.accounts.choices import Role

    from .helpers import persona

    admin = persona("a-admin", orgs["a"], Role.ADMIN)
    scenario = make_scenario(alice.user)
    response = admin.client.patch(f"/api/v1/scenarios/{scenario.pk}/", {"name": "By admin"})
    assert response.status_code == 200 and response.json()["name"] == "By admin"


def test_creating_needs_a_read_write_token_and_credentials(alice_ro, anonymous):
    for client, status in ((alice_ro.client, 403), (anonymous, 401)):
        assert (
            client.post(
                "/api/v1/scenarios/", {"name": "x", "inputs": ONE_NODE_INFERENCE}
            ).status_code
            == status
        )
        assert (
            client.post("/api/v1/quotes/", {"workload": ONE_NODE_INFERENCE}).status_code == status
        )
    assert not Scenario.objects.exists()
