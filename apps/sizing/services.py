"""Writes of the sizing app: saving, renaming, duplicating and deleting scenarios, and
imported model configs.

A scenario keeps what was computed — the engine input, the engine's result and its version —
and the result is always computed here from the inputs, never taken from the browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError

from . import gateway
from .engine import ENGINE_VERSION
from .engine.models import import_config_text
from .models import ModelConfig, Scenario


def scenario_create(
    *, user: User, name: str, inputs: Mapping[str, Any], result: dict[str, Any] | None = None
) -> Scenario:
    """Size `inputs` and save the sizing as a scenario of the user's organization.

    `result` is `gateway.size_or_raise(inputs)` when the caller sized already (to keep the
    sizing out of its transaction). Raises gateway.SizingRefused (an ApplicationError with
    the engine's field errors) when the inputs do not size.
    """
    if user.organization_id is None:
        raise ApplicationError("Your account belongs to no organization; ask an administrator.")
    if result is None:
        result = gateway.size_or_raise(inputs)
    return Scenario.objects.create(
        organization_id=user.organization_id,
        owner=user,
        name=name.strip(),
        inputs=dict(inputs),
        result=result,
        engine_version=str(result.get("engine_version", "")),
    )


def scenario_rename(*, scenario: Scenario, name: str) -> Scenario:
    """Give the scenario a new name."""
    scenario.name = name.strip()
    scenario.save(update_fields=["name", "updated_at"])
    return scenario


def scenario_duplicate(*, user: User, scenario: Scenario) -> Scenario:
    """A copy owned by `user` in their organization, with the same inputs, result and engine
    version (what was computed stays traceable)."""
    if user.organization_id is None:
        raise ApplicationError("Your account belongs to no organization; ask an administrator.")
    return Scenario.objects.create(
        organization_id=user.organization_id,
        owner=user,
        name=f"Copy of {scenario.name}"[:200],
        inputs=scenario.inputs,
        result=scenario.result,
        engine_version=scenario.engine_version,
    )


@transaction.atomic
def scenario_delete(*, scenario: Scenario) -> None:
    """Delete the scenario; refused while quotes point at it (they keep it traceable)."""
    try:
        scenario.delete()
    except ProtectedError:
        raise ApplicationError(
            "This scenario has quotes, so it is kept: every quote line traces back to it."
        ) from None


# --- added for the partner REST API (apps/api): change a scenario's inputs, run it again ------


def scenario_update(
    *, scenario: Scenario, name: str | None = None, inputs: Mapping[str, Any] | None = None
) -> Scenario:
    """Rename and/or replace the inputs; new inputs are sized again (result and engine version
    follow). Raises ApplicationError with the engine's field errors when they do not size.
    Quotes already made keep the inputs and result they copied."""
    if inputs is not None:
        scenario = _resized(scenario, inputs)
    if name is not None:
        scenario.name = name.strip()
    scenario.save()
    return scenario


def scenario_rerun(*, scenario: Scenario) -> Scenario:
    """Size the saved inputs again with the current engine and catalog, and keep that result."""
    scenario = _resized(scenario, scenario.inputs)
    scenario.save(update_fields=["inputs", "result", "engine_version", "updated_at"])
    return scenario


def _resized(scenario: Scenario, inputs: Mapping[str, Any]) -> Scenario:
    result = gateway.size_or_raise(inputs)
    scenario.inputs, scenario.result = dict(inputs), result
    scenario.engine_version = str(result.get("engine_version", ""))
    return scenario


# --- imported model configs ----------------------------------------------------------------


def model_config_create(*, user: User, config: Mapping[str, Any], name: str = "") -> ModelConfig:
    """Read a Hugging Face config.json with the engine's one parser and keep it for the user's
    organization. Raises SizingInputError (field paths ``config.<key>``) when the parser
    cannot read it, ApplicationError when the user belongs to no organization."""
    if user.organization_id is None:
        raise ApplicationError("Your account belongs to no organization; ask an administrator.")
    # The same text path as the wizard upload and the CLI (size limits, depth, numbers).
    imported = import_config_text(json.dumps(config))
    answer = imported.to_dict()
    return ModelConfig.objects.create(
        organization_id=user.organization_id,
        owner=user,
        name=(name.strip() or imported.name)[:200],
        config=dict(config),
        family=imported.family[:50],
        model_type=imported.model_type[:50],
        params_b=answer["params_b"],
        active_params_b=answer["active_params_b"],
        imported=answer,
        engine_version=ENGINE_VERSION,
    )


def model_config_delete(*, model_config: ModelConfig) -> None:
    """Forget an imported config (sizings made from it keep their own copy of the model)."""
    model_config.delete()
