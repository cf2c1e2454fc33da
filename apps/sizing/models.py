"""Saved sizings. A scenario keeps what was computed: inputs, the engine's result and the engine
version, so every quote line can be traced back to the run that produced it.

The figures a list shows (kind, model, GPU, counts, power) are columns copied from the result
on every save (`Scenario.save`), so lists read them without decoding the JSON columns, which
they defer (issue 16: decoding them was 55-60 % of a 1,000-row list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models

FIGURES = (
    "kind",
    "model_slug",
    "model_name",
    "gpu",
    "gpu_name",
    "gpu_count",
    "node_count",
    "power_kw",
)


def figures_of(result: Mapping[str, Any]) -> dict[str, Any]:
    """The list figures of an engine result (empty or zero where it has none)."""
    found = result.get("model")
    model: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    return {
        "kind": str(result.get("kind") or "")[:20],
        "model_slug": str(model.get("slug") or "")[:100],
        "model_name": str(model.get("name") or "")[:200],
        "gpu": str(result.get("gpu") or "")[:100],
        "gpu_name": str(result.get("gpu_name") or "")[:200],
        "gpu_count": int(result.get("gpu_count") or 0),
        "node_count": int(result.get("node_count") or 0),
        "power_kw": float(result.get("power_kw") or 0.0),
    }


class Scenario(models.Model):
    """A named, saved sizing owned by a user and visible to their organization."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="scenarios"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenarios"
    )
    name = models.CharField(max_length=200)
    inputs = models.JSONField(help_text="the workload exactly as sent to the engine")
    result = models.JSONField(help_text="the engine's full result for those inputs")
    engine_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Copied from `result` on save (module docstring).
    kind = models.CharField(max_length=20, blank=True, default="")
    model_slug = models.CharField(max_length=100, blank=True, default="")
    model_name = models.CharField(max_length=200, blank=True, default="")
    gpu = models.CharField(max_length=100, blank=True, default="")
    gpu_name = models.CharField(max_length=200, blank=True, default="")
    gpu_count = models.PositiveIntegerField(default=0)
    node_count = models.PositiveIntegerField(default=0)
    power_kw = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, with the list figures copied from the result (also when only `result` is
        among `update_fields`)."""
        if "result" not in self.get_deferred_fields():  # a list's row keeps its figures
            for name, value in figures_of(self.result or {}).items():
                setattr(self, name, value)
        fields = kwargs.get("update_fields")
        if fields is not None and "result" in fields:
            kwargs["update_fields"] = {*fields, *FIGURES}
        super().save(*args, **kwargs)


class ModelConfig(models.Model):
    """A Hugging Face config.json imported by an organization (POST /api/v1/model-configs/):
    the file as sent, and what the engine's one config.json parser read from it — the
    architecture, the parameter counts and the workload's ``custom_model`` object. Visible to
    its organization only."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="model_configs"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="model_configs"
    )
    name = models.CharField(max_length=200)
    config = models.JSONField(help_text="the config.json as sent")
    family = models.CharField(max_length=50)
    model_type = models.CharField(max_length=50)
    params_b = models.FloatField(help_text="total parameters, billions (computed)")
    active_params_b = models.FloatField(help_text="parameters per token, billions (computed)")
    imported = models.JSONField(help_text="the parser's answer: architecture and custom_model")
    engine_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.name
