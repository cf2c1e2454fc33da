"""The API's orjson renderer writes the same JSON as DRF's own renderer."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import OrderedDict
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from apps.api import renderers
from apps.api.renderers import OrjsonRenderer, render_json
from apps.sizing.gateway import size
from tests.quotes.factories import INFERENCE_WORKLOAD


def _both(data: object) -> tuple[bytes, bytes]:
    return OrjsonRenderer().render(data), JSONRenderer().render(data)


def test_a_sizing_answer_is_the_same_json(full_catalog):
    sizing = size(INFERENCE_WORKLOAD)
    assert sizing.result is not None
    ours, drfs = _both({"result": sizing.result, "elapsed_ms": sizing.elapsed_ms})
    assert json.loads(ours) == json.loads(drfs)


def test_values_orjson_does_not_know_are_written_as_drf_writes_them():
    data = {
        "price": Decimal("1234.50"),
        "label": gettext_lazy("Quote"),
        "at": dt.datetime(2026, 12, 1, 13, 45, 0, 123456, tzinfo=dt.UTC),
        "on": dt.date(2026, 12, 1),
        "id": uuid.UUID(int=7),
        "naïve": "ünïcode ✓",
        3: "non-string key",
        "big": 2**70,
    }
    ours, drfs = _both(data)
    assert json.loads(ours) == json.loads(drfs)
    assert b'"2026-12-01T13:45:00.123456Z"' in ours  # DRF's form of a UTC datetime


def test_an_indented_request_gets_drfs_rendering():
    context = {"indent": 2}
    ours = OrjsonRenderer().render({"a": [1, 2]}, "application/json", context)
    assert ours == JSONRenderer().render({"a": [1, 2]}, "application/json", context)
    assert OrjsonRenderer().render(None) == b""


def test_non_string_keys_alone_are_written_as_drf_writes_them():
    """orjson is asked for non-string keys only when a first try without them fails."""
    data = {"plain": [1, 2.5], "nested": {3: Decimal("2.50"), True: None}}
    ours, drfs = _both(data)
    assert json.loads(ours) == json.loads(drfs)
    assert ours == b'{"plain":[1,2.5],"nested":{"3":2.5,"true":null}}'


def test_a_sizing_answer_with_its_bom_kept_is_the_same_bytes(full_catalog, monkeypatch):
    """`render_sizing` renders a kept cluster side's BoM once for the answers of every load
    (the same line objects) and writes what `render_json` writes for each of them."""
    monkeypatch.setattr(renderers, "_boms", OrderedDict())
    loads = [{**INFERENCE_WORKLOAD, "inference": {"concurrent_users": n}} for n in (10, 11)]
    answers = [size(workload).result for workload in loads]
    assert answers[0] is not None and answers[1] is not None
    assert all(a is b for a, b in zip(answers[0]["bom"], answers[1]["bom"], strict=True))
    assert answers[0]["inference"] != answers[1]["inference"]
    for answer in answers:
        assert renderers.render_sizing(answer) == render_json(answer)
    assert len(renderers._boms) == 1  # the second answer's BoM was the first one's JSON
    fresh = {**answers[0], "bom": [dict(line, quantity=7) for line in answers[0]["bom"]]}
    assert renderers.render_sizing(fresh) == render_json(fresh)  # new lines: their own JSON
    assert b'"quantity":7' in renderers.render_sizing(fresh)
    huge = {**answers[0], "note": 2**70}  # orjson cannot: render_json's own fallback
    assert renderers.render_sizing(huge) == render_json(huge)
