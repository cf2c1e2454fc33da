"""The workload specification: complete declarations, and the parser derived from it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from apps.sizing.engine import SizingInputError, parse_workload, spec
from apps.sizing.engine.spec import (
    Assumptions,
    CustomModel,
    InferenceInput,
    TrainingInput,
    Workload,
)

BASE: dict[str, Any] = {"kind": "inference", "model": "llama-2-7b"}


def _errors(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(SizingInputError) as info:
        parse_workload(data)
    return info.value.field_errors


@pytest.mark.parametrize("cls", [Workload, CustomModel, TrainingInput, InferenceInput, Assumptions])
def test_every_dataclass_field_is_declared(cls: type) -> None:
    for f in fields(cls):
        if f.name == "assumption_overrides":
            continue
        assert "input" in f.metadata or "section" in f.metadata, f"{cls.__name__}.{f.name}"


def test_paths_are_unique_and_complete() -> None:
    paths = [i.path for i in spec.INPUTS]
    assert len(paths) == len(set(paths))
    assert "inference.target_ttft_s" in spec.BY_PATH
    assert spec.BY_PATH["model"].attr == "model_slug"
    assert spec.BY_SHORT["users"].path == "inference.concurrent_users"
    assert spec.BY_SHORT["a_goodput"].path == "assumptions.goodput"
    for i in spec.INPUTS:
        assert i.label and i.type in spec.TYPES
        if i.type in ("number", "integer"):
            assert i.low is not None and i.high is not None and i.low <= i.high


def test_assumption_defaults_are_the_declared_ones() -> None:
    defaults = Assumptions().to_dict()
    assert {i.key: i.default for i in spec.ASSUMPTIONS} == defaults
    assert all(i.source for i in spec.ASSUMPTIONS)


@pytest.mark.parametrize(
    ("patch", "path", "message"),
    [
        (
            {"inference": {"concurrent_users": 0}},
            "inference.concurrent_users",
            "must be between 1 and 10000000, got 0",
        ),
        (
            {"inference": {"concurrent_users": 5, "target_ttft_s": 0}},
            "inference.target_ttft_s",
            "must be > 0 and <= 86400, got 0",
        ),
        ({"inference": {"concurrent_users": "x"}}, "inference.concurrent_users", None),
        ({"inference": {}}, "inference.concurrent_users", "is required"),
        ({"kind": None}, "kind", "is required; one of " + ", ".join(spec.KINDS)),
        (
            {"fabric": "token-ring"},
            "fabric",
            "must be one of infiniband, ethernet, auto, got 'token-ring'",
        ),
        ({"gpu": ""}, "gpu", "must be a non-empty string, got ''"),
        ({"storage_tb": -1}, "storage_tb", "must be >= 0 and <= 1e+06, got -1"),
        ({"assumptions": {"max_nodes_per_rack": 2.5}}, "assumptions.max_nodes_per_rack", None),
    ],
)
def test_messages(patch: dict[str, Any], path: str, message: str | None) -> None:
    errors = _errors({**BASE, "inference": {"concurrent_users": 1}, **patch})
    assert path in errors
    if message is not None:
        assert errors[path] == [message]


def test_training_precision_choices_depend_on_kind() -> None:
    data = {**BASE, "kind": "lora", "precision": "int4", "training": {"tokens": 1e9}}
    assert _errors(data)["precision"] == ["must be one of bf16, fp16, fp8, got 'int4'"]
    assert "training.target_days" in _errors(data)  # required in size mode
    capacity = {**data, "precision": "bf16", "nodes": 2}
    assert parse_workload(capacity).training == TrainingInput(tokens=1e9)


def test_every_problem_reported_at_once() -> None:
    errors = _errors(
        {
            "kind": "inference",
            "model": "m",
            "nodes": 0,
            "surprise": 1,
            "inference": {"concurrent_users": -1, "prompt_tokens": 2.5, "nope": 1},
        }
    )
    assert set(errors) >= {
        "nodes",
        "surprise",
        "inference.concurrent_users",
        "inference.prompt_tokens",
        "inference.nope",
    }


def test_catalog_choices_come_from_the_snapshot() -> None:
    from .helpers import CATALOG

    gpus = spec.catalog_choices(spec.BY_PATH["gpu"], CATALOG)
    assert gpus[0] == "auto" and set(gpus[1:]) == set(CATALOG.gpus)
    assert spec.catalog_choices(spec.BY_PATH["deployment"], CATALOG) == spec.DEPLOYMENTS


def test_applies_by_kind_and_mode() -> None:
    rank, users = spec.BY_PATH["training.lora_rank"], spec.BY_PATH["inference.concurrent_users"]
    assert spec.applies(rank, "lora", "size") and not spec.applies(rank, "pretraining", "size")
    assert spec.applies(users, "inference", "capacity") and not users.required_in("capacity")
    assert not spec.applies(spec.BY_PATH["growth_headroom_pct"], "inference", "capacity")
