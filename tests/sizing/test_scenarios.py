"""Scenarios through their URLs: save, list (mine / my organization's), open, rename,
duplicate, delete, compare, export — and tenant isolation (another organization's
scenario is a 404 everywhere)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from apps.sizing import services
from apps.sizing.models import Scenario

from .conftest import SMALL, login

WORKLOAD = {
    "kind": "inference",
    "model": "llama-3.1-8b",
    "gpu": "l40s-48gb",
    "fabric": "infiniband",
    "inference": {"concurrent_users": 10},
}


def save(client, name: str, **query):
    return client.post(
        reverse("sizing:scenario_save"), {"name": name, "query": urlencode({**SMALL, **query})}
    )


@pytest.fixture
def p2_scenario(catalog, users):
    return services.scenario_create(user=users["p2"], name="Other tenant", inputs=WORKLOAD)


def test_save_stores_inputs_result_and_engine_version(client_p1, users):
    response = save(client_p1, "ACME chat")
    scenario = Scenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sizing:scenario_detail", args=[scenario.pk])
    assert scenario.owner == users["p1"] and scenario.organization == users["p1"].organization
    assert scenario.inputs["inference"]["concurrent_users"] == 10
    assert scenario.result["gpu"] == "l40s-48gb"
    assert scenario.engine_version == scenario.result["engine_version"]


def test_save_by_htmx_redirects_the_browser(client_p1):
    response = client_p1.post(
        reverse("sizing:scenario_save"), {"name": "x", **SMALL}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/sizing/scenarios/")


def test_save_without_a_name_or_with_bad_inputs_says_why(client_p1):
    no_name = client_p1.post(
        reverse("sizing:scenario_save"), {"name": "", **SMALL}, headers={"HX-Request": "true"}
    )
    assert "Give the scenario a name." in no_name.content.decode()
    bad = save(client_p1, "Bad", users="0")
    page = bad.content.decode()
    assert bad.status_code == 400 and "Fix the highlighted inputs before saving." in page
    assert "Concurrent users must be between 1 and 10,000,000 users; you typed 0." in page
    assert not Scenario.objects.exists()


def test_list_shows_mine_and_my_organizations_only(client_p1, users, p2_scenario):
    services.scenario_create(user=users["p1"], name="Mine", inputs=WORKLOAD)
    services.scenario_create(user=users["p1b"], name="Colleague's", inputs=WORKLOAD)
    everything = client_p1.get(reverse("sizing:scenario_list")).content.decode()
    assert "Mine" in everything and "Colleague&#x27;s" in everything
    assert "Other tenant" not in everything
    mine = client_p1.get(
        reverse("sizing:scenario_list"), {"whose": "mine"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Mine" in mine and "Colleague" not in mine and "<html" not in mine


def test_detail_shows_the_saved_result_and_actions(client_p1, users):
    scenario = services.scenario_create(user=users["p1"], name="Detail", inputs=WORKLOAD)
    html = client_p1.get(reverse("sizing:scenario_detail", args=[scenario.pk])).content.decode()
    assert "Open in the wizard" in html and "kind=inference" in html
    assert "Bill of materials" in html and html.count("<svg") >= 3
    assert "Create quote" in html  # the quotes app provides its URL
    assert reverse("quotes:create_from_scenario", args=[scenario.pk]) in html


def test_rename_duplicate_delete(client_p1, users):
    scenario = services.scenario_create(user=users["p1"], name="Old", inputs=WORKLOAD)
    url = reverse("sizing:scenario_rename", args=[scenario.pk])
    form = client_p1.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="name"' in form and "<html" not in form
    renamed = client_p1.post(url, {"name": "New"}, headers={"HX-Request": "true"})
    assert "New" in renamed.content.decode()
    scenario.refresh_from_db()
    assert scenario.name == "New"
    assert "Give the scenario a name." in client_p1.post(url, {"name": ""}).content.decode()

    dup = client_p1.post(reverse("sizing:scenario_duplicate", args=[scenario.pk]))
    copy = Scenario.objects.exclude(pk=scenario.pk).get()
    assert dup["Location"] == reverse("sizing:scenario_detail", args=[copy.pk])
    assert copy.name == "Copy of New" and copy.result == scenario.result

    delete_url = reverse("sizing:scenario_delete", args=[scenario.pk])
    assert "Delete the scenario" in client_p1.get(delete_url).content.decode()
    assert client_p1.post(delete_url).status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()


def test_colleagues_may_open_and_duplicate_but_not_rename_or_delete(catalog, users):
    scenario = services.scenario_create(user=users["p1"], name="Owned", inputs=WORKLOAD)
    colleague = login(users["p1b"])
    assert colleague.get(reverse("sizing:scenario_detail", args=[scenario.pk])).status_code == 200
    assert (
        colleague.post(
            reverse("sizing:scenario_rename", args=[scenario.pk]), {"name": "x"}
        ).status_code
        == 403
    )
    assert colleague.post(reverse("sizing:scenario_delete", args=[scenario.pk])).status_code == 403
    duplicate = colleague.post(reverse("sizing:scenario_duplicate", args=[scenario.pk]))
    assert duplicate.status_code == 302


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("scenario_detail", "get"),
        ("scenario_rename", "post"),
        ("scenario_duplicate", "post"),
        ("scenario_delete", "post"),
        ("scenario_export_csv", "get"),
        ("scenario_export_xlsx", "get"),
    ],
)
def test_another_organizations_scenario_is_not_found(client_p1, p2_scenario, name, method):
    response = getattr(client_p1, method)(reverse(f"sizing:{name}", args=[p2_scenario.pk]))
    assert response.status_code == 404
    assert Scenario.objects.filter(pk=p2_scenario.pk, name="Other tenant").exists()


def test_compare_across_tenants_is_not_found(client_p1, users, p2_scenario):
    mine = services.scenario_create(user=users["p1"], name="Mine", inputs=WORKLOAD)
    response = client_p1.get(reverse("sizing:scenario_compare"), {"ids": [mine.pk, p2_scenario.pk]})
    assert response.status_code == 404


def test_compare_two_scenarios_side_by_side(client_p1, users):
    a = services.scenario_create(user=users["p1"], name="Ten users", inputs=WORKLOAD)
    b = services.scenario_create(
        user=users["p1"], name="Big", inputs={**WORKLOAD, "inference": {"concurrent_users": 400}}
    )
    html = client_p1.get(reverse("sizing:scenario_compare"), {"ids": [a.pk, b.pk]}).content.decode()
    assert "Ten users" in html and "Big" in html
    assert 'class="differs worse"' in html  # more GPUs on the right
    assert "Concurrent users" in html and "inference › " not in html
    one = client_p1.get(reverse("sizing:scenario_compare"), {"ids": [a.pk]})
    assert one.status_code == 302 and "compare_error=1" in one["Location"]


def test_scenario_with_a_quote_cannot_be_deleted(client_p1, users):
    from apps.catalog.models import PriceBook
    from apps.quotes.services import quote_create_from_scenario

    scenario = services.scenario_create(user=users["p1"], name="Quoted", inputs=WORKLOAD)
    quote_create_from_scenario(
        user=users["p1"],
        scenario=scenario,
        customer_company="ACME",
        customer_contact="Ann",
        customer_email="ann@example.com",
        price_book=PriceBook.objects.get(code="SAMPLE-USD"),
    )
    response = client_p1.post(reverse("sizing:scenario_delete", args=[scenario.pk]), follow=True)
    assert "has quotes" in response.content.decode()
    assert Scenario.objects.filter(pk=scenario.pk).exists()


def test_scenario_csv_rows_equal_the_bom(client_p1, users):
    scenario = services.scenario_create(user=users["p1"], name="Export", inputs=WORKLOAD)
    response = client_p1.get(reverse("sizing:scenario_export_csv", args=[scenario.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    lines = [r for r in rows if r["Part number"]]
    assert [(r["Part number"], int(r["Quantity"])) for r in lines] == [
        (
            "to be confirmed" if line.get("to_be_confirmed") else line["part_number"],
            line["quantity"],
        )
        for line in scenario.result["bom"]
    ]
