"""A 4,096-node cluster is summarised on the page the same way as in the PDF: racks grouped by
kind with one representative elevation each, the BoM in part lines (not per node), so the
result page stays under 400 KB through every door that shows it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.accounts.choices import Role
from tests.accounts.factories import make_org, make_user
from tests.quotes import factories

pytestmark = pytest.mark.django_db

LIMIT = 400_000  # bytes of HTML
BIG = {**factories.LARGE_WORKLOAD, "nodes": 4096}
QUERY = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "fabric": "infiniband",
    "mode": "capacity",
    "nodes": "4096",
    "users": "500",
}


@pytest.fixture
def client_4096(book):
    user = make_user("big", make_org("Big Cluster Partner"), Role.PARTNER)
    client = Client()
    client.force_login(user)
    return client, user


def _racks(html: str) -> int:
    """The racks the elevations stand for; one representative rack is drawn per kind."""
    found = re.search(r"([\d,]+) racks in (\d+) kinds?", html)
    assert found, "the rack elevations do not say how many racks they stand for"
    drawn = len(set(re.findall(r"Rack [\d,]+ · ", html)))
    assert drawn == int(found.group(2)), (drawn, found.group(0))
    return int(found.group(1).replace(",", ""))


def test_the_4096_node_result_page_is_under_400_kb(client_4096) -> None:
    client, _ = client_4096
    page = client.get("/sizing/", QUERY)
    html = page.content.decode()
    assert page.status_code == 200 and "in 4,096 nodes" in html
    print(f"4,096-node wizard page: {len(page.content):,} bytes (limit {LIMIT:,})")
    assert len(page.content) < LIMIT
    assert _racks(html) > 100  # hundreds of racks, drawn as a handful of representatives
    update = client.get("/sizing/", QUERY, headers={"HX-Request": "true", "HX-Target": "result"})
    print(f"4,096-node result update: {len(update.content):,} bytes")
    assert update.status_code == 200 and len(update.content) < LIMIT


def test_the_4096_node_scenario_page_is_under_400_kb(client_4096) -> None:
    client, user = client_4096
    scenario = factories.make_scenario(user, BIG, name="4,096 nodes")
    page = client.get(f"/sizing/scenarios/{scenario.pk}/")
    print(f"4,096-node scenario page: {len(page.content):,} bytes")
    assert page.status_code == 200 and len(page.content) < LIMIT
    assert _racks(page.content.decode()) == len(scenario.result["cluster"]["racks"])
