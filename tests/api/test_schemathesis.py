"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis 4).

Every operation of /api/v1/schema/ is called in-process through the WSGI application
(the full middleware stack), authenticated with a read-and-write token, with valid and
invalid generated requests. Gates: no server error, every response documented and
conforming to its schema (status code, content type, headers, body). Path ids point at real
objects of the caller's organization for part of the cases, so more than 404s are exercised.
No services are needed: it runs on SQLite as on PostgreSQL.

How many requests follows HYPOTHESIS_PROFILE, as the engine's property tests do: `dev` (the
local default) 8 fuzzed examples per operation and no coverage phase, at least 150 requests in
all — every operation in well under a minute; `ci` (set by .ci/run) schemathesis' coverage
phase (boundary values and negative cases, ~7,000 requests) and 60 fuzzed examples per
operation, at least 1,000 requests; `thorough`, the larger run to do by hand before a
release, the coverage phase and 300 fuzzed examples per operation, at least 5,000:

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/api/test_schemathesis.py
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis import builder
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

from .helpers import make_quote, make_scenario, partner_org, persona

# profile: (fuzzed examples per operation, minimum requests in all, schemathesis' coverage
# phase — its deterministic boundary and negative cases, ~7,000 requests whatever max_examples)
PROFILES = {"dev": (8, 150, False), "ci": (60, 1000, True), "thorough": (300, 5000, True)}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in PROFILES:
    raise pytest.UsageError(
        f"HYPOTHESIS_PROFILE must be one of {sorted(PROFILES)}, not {PROFILE!r}"
    )
EXAMPLES_PER_OPERATION, MIN_REQUESTS, COVERAGE_PHASE = PROFILES[PROFILE]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SENT: dict[str, int] = {"requests": 0}
SEEN: set[str] = set()


class _BuiltWhenRead(Sequence[Any]):
    """A test's explicit examples, built by `build` the first time hypothesis reads them."""

    def __init__(self, build: Callable[[], list[Any]]) -> None:
        self._build: Callable[[], list[Any]] | None = build
        self._items: list[Any] = []

    def _read(self) -> list[Any]:
        if self._build is not None:
            self._items, self._build = self._build(), None
        return self._items

    def __len__(self) -> int:
        return len(self._read())

    def __getitem__(self, index: Any) -> Any:
        return self._read()[index]


_ADD_COVERAGE = builder.add_coverage


def _add_coverage_when_run(test: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """schemathesis' coverage phase as it is, its cases built when the operation's test runs.

    schemathesis attaches an operation's coverage cases to its test as hypothesis explicit
    examples (`@example`) when the test is collected: every pytest-xdist process built all 35
    operations' ~7,900 cases, ~7 s of CPU and of start-up each, to run its share of them.
    Hypothesis reads a test's explicit examples (`hypothesis_explicit_examples`) only when the
    test runs, so they are built there, by schemathesis' own `add_coverage` (pinned 4.32.5), on a
    stand-in function whose examples and marks are handed to the test: the same cases, in the
    same order, after the operation's schema examples as before."""
    earlier = list(getattr(test, "hypothesis_explicit_examples", ()))

    def build() -> list[Any]:
        def stand_in() -> None:
            pass

        built = _ADD_COVERAGE(stand_in, *args, **kwargs)
        unserializable = builder.UnserializablePayloadMark.get(built)
        if unserializable:
            builder.UnserializablePayloadMark.set(test, unserializable)
        return [*earlier, *getattr(built, "hypothesis_explicit_examples", ())]

    test.hypothesis_explicit_examples = _BuiltWhenRead(build)  # type: ignore[attr-defined]
    return test


builder.add_coverage = _add_coverage_when_run

# Loaded when the module is collected (the schema view needs no database). Not
# `schemathesis.pytest.from_fixture`: its lazy mode breaks on pytest 9 (it sets the private
# `Function._nodeid`, gone in pytest 9; schemathesis 4.32.5).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.phases.coverage.enabled = COVERAGE_PHASE


@pytest.fixture
def keep_connections() -> Any:
    """Calls go through the real WSGI handler, whose request signals close "old" database
    connections — including the test's own, inside its transaction, on PostgreSQL. Django's
    test Client detaches that handler during a request; do the same for the whole test."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    full_catalog: None, settings: Any, tmp_path: Any, keep_connections: None
) -> dict[str, Any]:
    """A partner with a token, a scenario and quotes (draft and sent), no rate limits."""
    settings.API_THROTTLE_RATES = {"read": None, "write": None, "sizing": None, "anon": None}
    settings.MEDIA_ROOT = tmp_path
    owner = persona("fuzzer", partner_org("Fuzzing Partner"))
    scenario = make_scenario(owner.user)
    draft = make_quote(owner.user, scenario)
    from apps.quotes import services

    sent, _ = services.quote_send(user=owner.user, quote=make_quote(owner.user, scenario))
    return {
        "token": owner.token,
        "ids": itertools.cycle([scenario.pk, draft.pk, sent.pk]),
        "turn": itertools.count(),
        "values": {"code": "SAMPLE-USD", "slug": "llama-2-70b", "part_number": "7D9RCTOLWW"},
    }


def _point_at_real_objects(case: Any, world: dict[str, Any]) -> None:
    if next(world["turn"]) % 3 or not case.path_parameters:
        return
    for name in case.path_parameters:
        if name == "id":
            case.path_parameters[name] = next(world["ids"])
        elif name == "slug" and "gpus" in case.operation.path:
            case.path_parameters[name] = "h100-pcie-80gb"
        elif name == "slug" and "platforms" in case.operation.path:
            case.path_parameters[name] = "sr675v3-8dw"
        elif name in world["values"]:
            case.path_parameters[name] = world["values"][name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_schema(case: Any, world: dict[str, Any]) -> None:
    _point_at_real_objects(case, world)
    response = case.call(headers={"Authorization": f"Bearer {world['token']}"})
    SENT["requests"] += 1
    SEEN.add(f"{case.method} {case.operation.path}")
    case.validate_response(response, checks=CHECKS)


def test_enough_requests_were_generated() -> None:
    """Runs after the generated tests (same module): at least 1,000 requests in all."""
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    if not operations <= SEEN and os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("pytest-xdist: tests/conftest.py checks the count over every process")
    if not operations <= SEEN:
        pytest.skip("only part of the schemathesis tests ran (selected with -k?)")
    print(
        f"\nschemathesis ({PROFILE}): {SENT['requests']} requests over {len(operations)} operations"
    )
    assert SENT["requests"] >= MIN_REQUESTS, SENT
