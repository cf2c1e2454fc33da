"""Input hygiene at the edge (apps/core/hygiene.py): unpaired surrogates, NUL and control
characters, overlong text, deep nesting, huge numbers and wrong JSON types answer 400 naming
the field, through the API, the portal's forms and query strings and the config.json upload;
text is stored in NFC; afterwards every list page still answers 200."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from apps.core import hygiene
from apps.sizing.models import Scenario

from .helpers import ONE_NODE_INFERENCE, error_of, make_scenario

pytestmark = pytest.mark.django_db

SCENARIO = json.dumps({"name": "Pilot", "inputs": ONE_NODE_INFERENCE})


def _with_name(raw_name: str) -> str:
    """The scenario body with `raw_name` spliced in as JSON source (escapes kept)."""
    return SCENARIO.replace('"Pilot"', raw_name)


@pytest.mark.parametrize(
    "raw, field, words",
    [
        ('"Chat \\ud800 model"', "name", "unpaired surrogate"),
        ('"Chat \\u0000 model"', "name", "NUL character"),
        ('"Chat \\u0007 model"', "name", "control character U+0007"),
        ('"' + "x" * 20_001 + '"', "name", "too long"),
    ],
)
def test_bad_text_in_the_api_is_a_400_naming_the_field(alice, raw, field, words):
    response = alice.client.post("/api/v1/scenarios/", raw=_with_name(raw))
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error" and words in error["fields"][field][0]
    assert not Scenario.objects.exists()


def test_a_bad_key_deep_in_the_workload_is_named(alice):
    body = SCENARIO.replace('"kind"', '"ki\\u0001nd"')
    response = alice.client.post("/api/v1/scenarios/", raw=body)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["inputs.ki\x01nd"]


@pytest.mark.parametrize(
    "body, words",
    [
        ("[" * 5000 + "]" * 5000, "nested more than 32 levels"),
        ('{"name": "x", "inputs": {"nodes": ' + "9" * 5000 + "}}", "5,000 digits"),
        ('{"name": "x", "inputs": {"nodes": 1e999}}', "out of range"),
        ('{"name": "x", "inputs": {"nodes": NaN}}', "NaN"),
    ],
)
def test_deep_nesting_and_huge_numbers_are_a_400(alice, body, words):
    response = alice.client.post("/api/v1/scenarios/", raw=body)
    assert response.status_code == 400, response.content
    assert words in error_of(response)["message"]


def test_wrong_json_types_are_a_400_naming_the_field(alice):
    response = alice.client.post("/api/v1/scenarios/", {"name": ["a"], "inputs": "x"})
    assert response.status_code == 400
    assert {"name", "inputs"} <= set(error_of(response)["fields"])


def test_text_is_stored_in_nfc(alice):
    response = alice.client.post("/api/v1/scenarios/", raw=_with_name('"Cafe\\u0301 pilot"'))
    assert response.status_code == 201, response.content
    assert Scenario.objects.get().name == "Caf\u00e9 pilot"


def test_forms_and_query_strings_are_checked_too(client, alice):
    client.force_login(alice.user)
    page = client.get(reverse("sizing:wizard"), {"custom_name": "bell\x07"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "custom_name" in text and "control character U+0007" in text
    posted = client.post(reverse("sizing:scenario_save"), {"name": "a\x00b"})
    assert posted.status_code == 400 and "NUL character" in posted.content.decode()
    api = client.get("/api/v1/scenarios/", {"search": "x\x1b"})
    assert api.status_code == 400 and "search" in error_of(api)["fields"]


def _upload(client, content: bytes):
    upload = io.BytesIO(content)
    upload.name = "config.json"
    return client.post(reverse("sizing:upload_config"), {"config": upload, "kind": "inference"})


@pytest.mark.parametrize(
    "content, words",
    [
        (b"[" * 5000 + b"]" * 5000, "nested more than 20 levels"),
        (b'{"num_hidden_layers": ' + b"7" * 5000 + b"}", "5000 digits"),
        (b'{"text_config": [1, 2]}', "text_config must be an object"),
        (b'{"num_hidden_layers": 2, "_name_or_path": "\\ud83d"}', "unpaired surrogate"),
        (b'{"num_hidden_layers": 2, "model_type": "a\\u0000"}', "model_type contains a NUL"),
    ],
)
def test_the_config_upload_answers_400_not_500(client, alice, content, words):
    client.force_login(alice.user)
    response = _upload(client, content)
    assert response.status_code == 400
    assert words in " ".join(response.context["upload_form"].errors["config"])


def test_every_list_page_answers_200_after_the_bad_inputs(client, alice):
    for raw in ('"\\ud800"', '"\\u0000"', '"a\\u0085b"'):
        alice.client.post("/api/v1/scenarios/", raw=_with_name(raw))
    alice.client.post("/api/v1/scenarios/", raw="[" * 100_000)
    client.force_login(alice.user)
    for url in ("/sizing/scenarios/", "/quotes/", "/api/v1/scenarios/", "/api/v1/quotes/"):
        assert client.get(url).status_code == 200, url


def test_loads_and_clean_value_directly():
    assert hygiene.loads('{"a": ["e\\u0301", 1, 2.5]}') == {"a": ["\u00e9", 1, 2.5]}
    with pytest.raises(hygiene.InputRejected) as exc:
        hygiene.clean_value({"a": [{"b": "\ud800"}]})
    assert exc.value.field == "a.0.b"
    assert hygiene.text_problem("tab\tnew\nline\r") is None


def test_repair_text_finds_and_repairs_rows_stored_before(client, alice):
    from django.core.management import CommandError, call_command
    from django.db import connection, transaction

    good = make_scenario(alice.user, name="Fine")
    bad = make_scenario(alice.user, name="Bell")
    inputs = {**bad.inputs, "label\x1b": "e\u0301"}
    name = "Cafe\u0301 \x07pilot"
    if connection.vendor == "sqlite":  # an unpaired surrogate too, where the driver stores one
        try:
            with transaction.atomic():
                Scenario.objects.filter(pk=bad.pk).update(name=name + "\ud800")
            name += "\ud800"
        except UnicodeEncodeError:  # Debian's system Python refuses it (so it cannot be stored)
            pass
    Scenario.objects.filter(pk=bad.pk).update(name=name, inputs=inputs)  # bypasses the edge

    out = io.StringIO()
    with pytest.raises(CommandError) as check:
        call_command("repair_text", stdout=out)
    assert check.value.returncode == 1
    assert f"sizing.Scenario #{bad.pk}: inputs, name" in out.getvalue()
    assert f"#{good.pk}:" not in out.getvalue()

    call_command("repair_text", "--fix", stdout=io.StringIO())
    bad.refresh_from_db()
    assert bad.name.startswith("Caf\u00e9 pilot") and "\x07" not in bad.name
    assert bad.inputs["label"] == "\u00e9"
    call_command("repair_text", stdout=io.StringIO())  # clean now: no CommandError
    client.force_login(alice.user)
    assert client.get("/sizing/scenarios/").status_code == 200
