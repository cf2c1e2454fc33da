"""POST /api/v1/sizing/ answers what `manage.py size` prints; scenarios CRUD and run again."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from apps.sizing.models import Scenario

from .helpers import ONE_NODE_INFERENCE, error_of, make_quote, make_scenario


def cli(workload: dict, *args: str) -> dict:
    """What `manage.py size` prints for `workload`."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json") as fh:
        json.dump(workload, fh)
        fh.flush()
        out = StringIO()
        call_command("size", fh.name, *args, stdout=out)
    return json.loads(out.getvalue())


def test_sizing_answers_exactly_what_the_cli_prints(alice):
    response = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert response.status_code == 200
    assert response.json() == cli(ONE_NODE_INFERENCE)
    body = response.json()
    assert body["node_count"] == 1 and body["gpu_count"] == 8
    assert {line["part_number"] for line in body["bom"]} >= {"7D9RCTOLWW"}


def test_sizing_with_a_price_book_ranks_like_the_cli(alice_ro):
    workload = {"kind": "inference", "model": "llama-2-7b", "inference": {"concurrent_users": 50}}
    response = alice_ro.client.post("/api/v1/sizing/?price_book=SAMPLE-USD", workload)
    assert response.status_code == 200  # read-only tokens may size
    assert response.json() == cli(workload, "--price-book", "SAMPLE-USD")
    assert response.json()["selection"]["criterion"] == "fewest_gpus"  # price never ranks
    plain = alice_ro.client.post("/api/v1/sizing/", workload).json()
    assert (plain["gpu"], plain["fabric"], plain["bom"]) == (
        response.json()["gpu"],
        response.json()["fabric"],
        response.json()["bom"],
    )


def test_sizing_with_an_unknown_price_book(alice):
    response = alice.client.post("/api/v1/sizing/?price_book=NOPE", ONE_NODE_INFERENCE)
    assert response.status_code == 400 and "price_book" in error_of(response)["fields"]


def test_scenario_create_list_retrieve(alice, bob):
    created = alice.client.post(
        "/api/v1/scenarios/", {"name": " Pilot ", "inputs": ONE_NODE_INFERENCE}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Pilot" and body["owner"] == "alice"
    assert body["inputs"] == ONE_NODE_INFERENCE and body["result"]["node_count"] == 1
    listed = bob.client.get("/api/v1/scenarios/").json()
    assert listed["count"] == 1
    first = listed["results"][0]
    assert first == {
        **first,
        "id": body["id"],
        "gpu_count": 8,
        "node_count": 1,
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "h100-pcie-80gb",
    }
    assert "result" not in listed["results"][0]
    assert bob.client.get(f"/api/v1/scenarios/{body['id']}/").json() == body


def test_scenario_list_filters(alice, bob):
    make_scenario(alice.user, "Alpha")
    make_scenario(bob.user, "Beta")
    names = lambda r: [s["name"] for s in r.json()["results"]]  # noqa: E731
    assert names(alice.client.get("/api/v1/scenarios/", mine="true")) == ["Alpha"]
    assert names(alice.client.get("/api/v1/scenarios/", search="bet")) == ["Beta"]
    assert sorted(names(alice.client.get("/api/v1/scenarios/"))) == ["Alpha", "Beta"]
    page = alice.client.get("/api/v1/scenarios/", limit=1).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_scenario_update_renames_and_resizes(alice):
    scenario = make_scenario(alice.user)
    two_nodes = {**ONE_NODE_INFERENCE, "nodes": 2}
    response = alice.client.patch(
        f"/api/v1/scenarios/{scenario.pk}/", {"name": "Two nodes", "inputs": two_nodes}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Two nodes"
    assert response.json()["result"]["node_count"] == 2
    scenario.refresh_from_db()
    assert scenario.inputs == two_nodes and scenario.node_count == 2


def test_scenario_update_with_bad_inputs_changes_nothing(alice):
    scenario = make_scenario(alice.user)
    response = alice.client.patch(
        f"/api/v1/scenarios/{scenario.pk}/", {"inputs": {**ONE_NODE_INFERENCE, "nodes": 0}}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["inputs.nodes"]
    scenario.refresh_from_db()
    assert scenario.inputs == ONE_NODE_INFERENCE


def test_scenario_run_again_keeps_a_fresh_result(alice):
    scenario = make_scenario(alice.user)
    Scenario.objects.filter(pk=scenario.pk).update(
        result={**scenario.result, "node_count": 99}, engine_version="0.0.1"
    )
    response = alice.client.post(f"/api/v1/scenarios/{scenario.pk}/run/")
    assert response.status_code == 200
    assert response.json()["result"]["node_count"] == 1
    assert response.json()["engine_version"] == response.json()["result"]["engine_version"]


def test_scenario_delete_and_refusal_while_quoted(alice, media_root):
    scenario = make_scenario(alice.user)
    assert alice.client.delete(f"/api/v1/scenarios/{scenario.pk}/").status_code == 204
    assert not Scenario.objects.filter(pk=scenario.pk).exists()
    quoted = make_quote(alice.user).scenario
    response = alice.client.delete(f"/api/v1/scenarios/{quoted.pk}/")
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"


def test_non_numeric_ids_are_404(alice):
    response = alice.client.get("/api/v1/scenarios/abc/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert alice.client.get(f"/api/v1/scenarios/{2**70}/").status_code == 404


def test_nul_characters_are_refused_before_postgresql_sees_them(alice):
    inputs = {
        "kind": "inference",
        "custom_model": {
            "name": "a\x00b",
            "layers": 2,
            "hidden_size": 64,
            "heads": 2,
            "kv_heads": 2,
            "ffn_size": 128,
            "vocab_size": 100,
            "params_b": 0.1,
        },
        "inference": {"concurrent_users": 1},
    }
    response = alice.client.post("/api/v1/scenarios/", {"name": "nul", "inputs": inputs})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["inputs.custom_model.name"]


def test_the_serving_explanations_are_in_the_api_result(alice):
    body = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).json()
    explained = body["inference"]["explained"]
    by_figure = {e["figure"]: e for e in body["explanations"]}
    for key in (
        "inference.layout",
        "memory.kv_cache_gb",
        "inference.prefill_ms",
        "inference.decode_step_ms",
        "inference.ttft_s",
        "inference.tpot_ms",
    ):
        assert key in explained
        assert by_figure[key]["rule"] and by_figure[key]["source"] and by_figure[key]["inputs"]
    targets = body["inference"]["targets"]
    assert by_figure["inference.ttft_s"]["inputs"]["target_ttft_s"] == targets["ttft_s"]
    assert body["inference"]["tpot_ms"] == by_figure["inference.tpot_ms"]["value"]
