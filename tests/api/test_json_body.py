"""POST /api/v1/sizing/ reads its JSON body with `parsers.json_data`: DRF's way there (content
negotiation, its stream) only when the request may need it, the same data and errors either
way."""

from __future__ import annotations

import json

import pytest
import rest_framework.views  # noqa: F401 - DRF settings (the parser class) before apps.api.parsers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.test import APIRequestFactory

from apps.api import parsers
from apps.api.views.sizing import SizingApi

from .helpers import ONE_NODE_INFERENCE, error_of


@pytest.fixture
def negotiations(monkeypatch):
    """The parser selections DRF's content negotiation makes."""
    made: list[str] = []
    select = DefaultContentNegotiation.select_parser

    def counted(self, request, parsers_):
        made.append(request.content_type)
        return select(self, request, parsers_)

    monkeypatch.setattr(DefaultContentNegotiation, "select_parser", counted)
    return made


def test_a_json_body_is_read_without_drfs_negotiation(alice, negotiations):
    plain = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert plain.status_code == 200 and negotiations == []
    with_charset = alice.client.post(
        "/api/v1/sizing/",
        ONE_NODE_INFERENCE,
        content_type="application/json; charset=utf-8",
    )
    assert with_charset.status_code == 200
    assert negotiations == ["application/json; charset=utf-8"]  # DRF's way, the same answer
    assert with_charset.content == plain.content


@pytest.mark.parametrize(
    ("raw", "code", "fields"),
    [
        ("{not json", "parse_error", None),
        ('{"kind": NaN}', "parse_error", None),
        ('{"kind": "inf\\u0000erence"}', "validation_error", ["kind"]),
        (
            '{"model": "llama", "inference": {"prompt_tokens": 1' + "0" * 45 + "}}",
            "validation_error",
            ["__all__"],
        ),
    ],
)
def test_bad_bodies_answer_as_drfs_way_does(alice, raw, code, fields):
    fast = alice.client.post("/api/v1/sizing/", raw=raw)
    drf = alice.client.post("/api/v1/sizing/", raw=raw, content_type="application/json; a=b")
    assert fast.status_code == drf.status_code == 400
    assert error_of(fast)["code"] == error_of(drf)["code"] == code
    assert error_of(fast)["message"] == error_of(drf)["message"]
    assert error_of(fast)["fields"] == error_of(drf)["fields"]
    if fields is not None:
        assert list(error_of(fast)["fields"]) == fields


def _drf_request(body: bytes, content_type: str = "application/json"):
    raw = APIRequestFactory().post("/api/v1/sizing/", body, content_type=content_type)
    return SizingApi().initialize_request(raw)


def test_request_data_afterwards_is_what_json_data_read():
    request = _drf_request(json.dumps(ONE_NODE_INFERENCE).encode())
    data = parsers.json_data(request)
    assert data == ONE_NODE_INFERENCE
    assert request.data is data and request.body == json.dumps(ONE_NODE_INFERENCE).encode()


def test_a_refused_body_leaves_request_data_empty_as_drf_does():
    request = _drf_request(b"{not json")
    with pytest.raises(Exception) as fast:
        parsers.json_data(request)
    reference = _drf_request(b"{not json", "application/json; a=b")
    with pytest.raises(Exception) as drf:
        reference.data  # noqa: B018
    assert type(fast.value) is type(drf.value) and str(fast.value) == str(drf.value)
    assert request.data == reference.data == {}
    assert type(request.data) is type(reference.data)


def test_an_empty_body_is_drfs_empty_data():
    request = _drf_request(b"")
    assert parsers.json_data(request) == {} == _drf_request(b"", "application/json; a=b").data
