"""One error format for the whole API, request ids, limits (size, media type, rate)."""

from __future__ import annotations

import pytest

from .helpers import ONE_NODE_INFERENCE, ApiClient, error_of


def test_engine_field_errors_keep_their_dotted_paths(alice):
    response = alice.client.post(
        "/api/v1/sizing/",
        {"kind": "inference", "model": "llama-2-70b", "inference": {"prompt_tokens": 0}},
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"]["inference.concurrent_users"] == ["is required"]
    assert "inference.prompt_tokens" in error["fields"]


def test_workload_errors_are_prefixed_where_the_workload_is_nested(alice):
    response = alice.client.post(
        "/api/v1/scenarios/",
        {"name": "bad", "inputs": {"kind": "inference", "model": "nope", "inference": {}}},
    )
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "validation_error"
    assert any(k.startswith("inputs.") for k in error["fields"]), error


def test_serializer_errors_use_the_same_shape(alice):
    response = alice.client.post("/api/v1/scenarios/", {"inputs": ONE_NODE_INFERENCE})
    error = error_of(response)
    assert response.status_code == 400
    assert error["fields"] == {"name": ["This field is required."]}


def test_a_body_that_is_not_an_object(alice):
    response = alice.client.post("/api/v1/sizing/", [1, 2])
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"__all__": ["the workload must be a JSON object"]}


def test_unparsable_json_is_400_parse_error(alice):
    response = alice.client.post("/api/v1/sizing/", raw="{not json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize("raw", ["NaN", '{"kind": Infinity}'])
def test_non_standard_json_constants_are_refused(alice, raw):
    response = alice.client.post("/api/v1/sizing/", raw=raw)
    assert response.status_code == 400 and error_of(response)["code"] == "parse_error"


def test_no_credentials_is_401_with_www_authenticate(anonymous):
    response = anonymous.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer szp_12345678_wrong", "Bearer a b"])
def test_bad_tokens_are_401(db, header):
    response = ApiClient().get("/api/v1/me/", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_read_only_token_cannot_write_403(alice_ro):
    response = alice_ro.client.post(
        "/api/v1/scenarios/", {"name": "x", "inputs": ONE_NODE_INFERENCE}
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert "read-only" in error_of(response)["message"]


def test_unknown_object_is_404_in_the_api_shape(alice):
    response = alice.client.get("/api/v1/quotes/999999/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_unknown_api_url_is_404_in_the_api_shape(alice):
    response = alice.client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_wrong_method_is_405_with_allow(alice):
    response = alice.client.request("PUT", "/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_not_json_is_415(alice):
    response = alice.client.post(
        "/api/v1/sizing/", raw="kind=inference", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_too_large_body_is_413(alice, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = alice.client.post("/api/v1/sizing/", {**ONE_NODE_INFERENCE, "pad": "x" * 2000})
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


def test_rate_limit_is_429_with_retry_after_per_token(alice, bob, settings):
    settings.API_THROTTLE_RATES = {"read": "3/min"}
    codes = [alice.client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = alice.client.get("/api/v1/me/")
    assert error_of(response)["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert bob.client.get("/api/v1/me/").status_code == 200  # another token, its own budget


def test_engine_runs_have_their_own_limit(alice, settings):
    settings.API_THROTTLE_RATES = {"sizing": "1/min"}
    assert alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).status_code == 200
    response = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert response.status_code == 429 and "Retry-After" in response
    assert alice.client.get("/api/v1/me/").status_code == 200


def test_request_id_is_echoed_when_sane_and_made_otherwise(alice):
    assert (
        alice.client.get("/api/v1/me/", headers={"X-Request-ID": "abc-123"})["X-Request-ID"]
        == "abc-123"
    )
    made = alice.client.get("/api/v1/me/", headers={"X-Request-ID": "bad id\n<script>"})
    assert made["X-Request-ID"] != "bad id\n<script>" and len(made["X-Request-ID"]) == 32
    assert (
        len(alice.client.get("/api/v1/me/", headers={"X-Request-ID": "x" * 200})["X-Request-ID"])
        == 32
    )


def test_portal_pages_carry_a_request_id_too(client, db):
    assert client.get("/accounts/login/")["X-Request-ID"]


def test_session_callers_need_csrf_for_writes(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    assert browser.get("/api/v1/me/").json()["auth"] == "session"
    response = ApiClient(client=browser).post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert response.status_code == 403 and "CSRF" in error_of(response)["message"]
