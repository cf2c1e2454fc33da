"""Long scenario lists (issue 16): the figures a list shows are columns copied from the result
on every save, the list defers the JSON columns, and pages keep the query count constant."""

from __future__ import annotations

import re

from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.sizing import selectors, services
from apps.sizing.models import FIGURES, Scenario, figures_of

from .conftest import login

URL = "/sizing/scenarios/"
WORKLOAD = {
    "kind": "inference",
    "model": "llama-3.1-8b",
    "gpu": "l40s-48gb",
    "fabric": "infiniband",
    "inference": {"concurrent_users": 10},
}


def test_the_figures_follow_the_result_on_every_save(catalog, users):
    scenario = services.scenario_create(user=users["p1"], name="Small", inputs=WORKLOAD)
    stored = Scenario.objects.values(*FIGURES).get(pk=scenario.pk)
    assert stored == figures_of(scenario.result)
    assert stored["kind"] == "inference" and stored["model_slug"] == "llama-3.1-8b"
    assert stored["gpu"] == "l40s-48gb" and stored["gpu_count"] >= 1 and stored["power_kw"] > 0
    bigger = {**WORKLOAD, "inference": {"concurrent_users": 2000}}
    services.scenario_update(scenario=scenario, inputs=bigger)
    services.scenario_rerun(scenario=Scenario.objects.get(pk=scenario.pk))  # update_fields
    after = Scenario.objects.values(*FIGURES).get(pk=scenario.pk)
    assert after == figures_of(Scenario.objects.get(pk=scenario.pk).result)
    assert after["gpu_count"] > stored["gpu_count"]


def test_the_migration_fills_the_figures_of_existing_scenarios(catalog, users):
    import importlib

    migration = importlib.import_module("apps.sizing.migrations.0002_scenario_figures")
    scenario = services.scenario_create(user=users["p1"], name="Old", inputs=WORKLOAD)
    Scenario.objects.filter(pk=scenario.pk).update(gpu_count=0, gpu_name="", power_kw=0)
    migration.copy_figures(django_apps, None)
    assert Scenario.objects.values(*FIGURES).get(pk=scenario.pk) == figures_of(scenario.result)


def test_a_list_row_never_loads_the_json(catalog, users):
    services.scenario_create(user=users["p1"], name="Small", inputs=WORKLOAD)
    row = selectors.scenario_rows(users["p1"]).get()
    assert {"inputs", "result"} <= row.get_deferred_fields()
    with CaptureQueriesContext(connection) as ctx:
        assert row.gpu_count >= 1 and row.gpu_name and row.model_name
    assert not ctx.captured_queries


def test_pages_of_the_list_cost_the_same_queries_whatever_the_count(catalog, users):
    client = login(users["p1"])
    first = services.scenario_create(user=users["p1"], name="Small", inputs=WORKLOAD)

    def queries(page: str = "1") -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"page": page})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, html = queries()
    assert "Page 1 of" not in html and first.gpu_name in html
    for _ in range(120):
        services.scenario_duplicate(user=users["p1"], scenario=first)
    many, html = queries()
    assert many == few  # a count and one page of rows, whatever the count
    assert "Page 1 of 3 · 121 in all" in html and len(re.findall(r'name="ids"', html)) == 50
    last, html = queries("3")
    assert last == many and len(re.findall(r'name="ids"', html)) == 21
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_a_page_that_does_not_exist_is_said_so(catalog, users):
    client = login(users["p1"])
    services.scenario_create(user=users["p1"], name="Small", inputs=WORKLOAD)
    for page, message in [("9", "There is no page 9: pages run from 1 to 1."), ("x", "whole")]:
        html = client.get(URL, {"page": page}).content.decode()
        assert message in html and 'role="alert"' in html
        assert 'name="ids"' not in html


def test_the_htmx_filter_answers_a_page_with_its_links(catalog, users):
    client = login(users["p1"])
    first = services.scenario_create(user=users["p1"], name="Alpha", inputs=WORKLOAD)
    for _ in range(55):
        services.scenario_duplicate(user=users["p1"], scenario=first)
    html = client.get(URL, {"q": "copy", "page": "2"}, headers={"HX-Request": "true"}).content
    text = html.decode()
    assert text.startswith('<div id="scenario-table">') and "Page 2 of 2 · 55 in all" in text
    assert 'hx-target="#scenario-table"' in text and "q=copy" in text
