"""/api/v1/model-configs/: a Hugging Face config.json imported with the engine's one parser,
kept per organization; its custom_model sizes through POST /api/v1/sizing/ like the CLI."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.sizing.engine.models import import_config_text
from apps.sizing.models import ModelConfig

from .helpers import error_of

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "model_configs"
URL = "/api/v1/model-configs/"


def published(slug: str) -> dict:
    return json.loads((CONFIGS / slug / "config.json").read_text())


def test_a_published_config_is_read_by_the_engines_parser(alice):
    response = alice.client.post(URL, {"config": published("deepseek-v3")})
    assert response.status_code == 201, response.json()
    body = response.json()
    parsed = import_config_text((CONFIGS / "deepseek-v3" / "config.json").read_bytes())
    assert body["name"] == "deepseek-ai/DeepSeek-V3" and body["family"] == "DeepSeek V3"
    assert body["params_b"] == pytest.approx(671, rel=0.01)  # published total
    assert body["active_params_b"] == pytest.approx(37, rel=0.02)  # published active
    assert body["architecture"]["attention"] == "mla"
    assert body["custom_model"] == parsed.custom_model()  # one parser: the same answer
    assert body["config"] == published("deepseek-v3")
    assert ModelConfig.objects.get(pk=body["id"]).organization == alice.user.organization


def test_the_imported_custom_model_sizes_like_the_cli(alice, tmp_path):
    created = alice.client.post(
        URL, {"name": "Qwen3 235B", "config": published("qwen3-235b-a22b")}
    ).json()
    assert created["custom_model"]["name"] == "Qwen3 235B"
    workload = {
        "kind": "inference",
        "gpu": "h100-nvl-94gb",
        "precision": "fp8",
        "inference": {"concurrent_users": 20},
    }
    api = alice.client.post(
        "/api/v1/sizing/", {**workload, "custom_model": created["custom_model"]}
    )
    assert api.status_code == 200, api.json()
    path = tmp_path / "w.json"
    path.write_text(json.dumps({**workload, "model": "llama-2-7b"}))
    out = StringIO()
    config = str(CONFIGS / "qwen3-235b-a22b" / "config.json")
    call_command("size", str(path), "--config", config, stdout=out)
    cli = json.loads(out.getvalue())
    for key in ("gpu_count", "node_count", "memory"):
        assert api.json()[key] == cli[key], key
    assert api.json()["inference"]["layout"] == cli["inference"]["layout"]


def test_a_config_the_parser_cannot_use_names_each_key(alice):
    bad = {"model_type": "llama", "num_hidden_layers": -3, "hidden_size": "big"}
    response = alice.client.post(URL, {"config": bad})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"]["config.num_hidden_layers"] == ["must be between 1 and 1,000, got -3"]
    assert error["fields"]["config.hidden_size"] == ["must be a whole number, got 'big'"]
    assert "config.vocab_size" in error["fields"]
    assert not ModelConfig.objects.exists()


def test_a_nested_text_config_error_keeps_its_path(alice):
    config = published("llama-4-scout")
    config["text_config"]["num_experts_per_tok"] = 0
    fields = error_of(alice.client.post(URL, {"config": config}))["fields"]
    assert any(k.startswith("config.text_config.") for k in fields), fields


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "config"),
        ({"config": [1, 2]}, "config"),
        ({"config": "{}"}, "config"),
        ({"config": {"a": "\u0000"}}, "config"),
        ({"config": published("llama-3.1-8b"), "name": "x" * 201}, "name"),
    ],
)
def test_a_malformed_body_is_refused_by_field(alice, body, field):
    response = alice.client.post(URL, body)
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert any(k == field or k.startswith(field + ".") for k in fields), fields


def test_a_body_that_is_not_an_object_is_refused(alice):
    response = alice.client.post(URL, [1, 2])
    assert response.status_code == 400 and "__all__" in error_of(response)["fields"]


def test_configs_are_seen_only_by_their_organization(alice, bob, carol):
    created = alice.client.post(URL, {"config": published("mixtral-8x7b")}).json()
    own = f"{URL}{created['id']}/"
    assert [c["id"] for c in bob.client.get(URL).json()["results"]] == [created["id"]]
    assert carol.client.get(URL).json()["results"] == []
    assert carol.client.get(own).status_code == 404  # another tenant: not found
    assert carol.client.delete(own).status_code == 404
    assert bob.client.delete(own).status_code == 403  # a colleague who is not an admin
    assert ModelConfig.objects.filter(pk=created["id"]).exists()
    assert alice.client.delete(own).status_code == 204
    assert alice.client.get(own).status_code == 404


def test_importing_needs_a_read_write_token_and_credentials(alice_ro, anonymous):
    body = {"config": published("llama-3.1-8b")}
    assert alice_ro.client.post(URL, body).status_code == 403
    assert anonymous.post(URL, body).status_code == 401
    assert not ModelConfig.objects.exists()
