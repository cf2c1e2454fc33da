"""Sizing runs and saved scenarios."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.sizing.models import Scenario

from .engine import SizingResultSerializer, WorkloadSerializer


@extend_schema_field(WorkloadSerializer)
class WorkloadField(serializers.JSONField):
    """A workload, passed to the engine as sent (the engine validates it, field by field)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError("must be a JSON object (a workload)")
        if _has_nul(data):  # PostgreSQL's jsonb cannot store U+0000
            raise serializers.ValidationError("must not contain the character U+0000")
        return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@extend_schema_field(SizingResultSerializer)
class SizingResultField(serializers.JSONField):
    """The engine's result, as computed."""


class SizingQuery(serializers.Serializer):
    price_book = serializers.CharField(
        required=False,
        max_length=40,
        help_text="a price book code (see /api/v1/catalog/price-books/): the automatic GPU "
        "choice then ranks candidates by list price instead of GPU count — the CLI's "
        "--price-book",
    )


class ScenarioFilter(serializers.Serializer):
    search = serializers.CharField(
        required=False, max_length=100, help_text="substring of the name"
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="only the caller's own scenarios"
    )


class ScenarioSerializer(serializers.ModelSerializer):
    """A saved sizing (list form: the headline figures, not the whole result)."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    organization = serializers.CharField(source="organization.slug", read_only=True)
    kind = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    gpu = serializers.SerializerMethodField()
    gpu_count = serializers.IntegerField(read_only=True)
    node_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "owner",
            "organization",
            "kind",
            "model",
            "gpu",
            "gpu_count",
            "node_count",
            "engine_version",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_kind(self, obj: Scenario) -> str | None:
        return obj.kind or None  # the figure columns: a list never decodes the result

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_model(self, obj: Scenario) -> str | None:
        return obj.model_slug or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_gpu(self, obj: Scenario) -> str | None:
        return obj.gpu or None


class ScenarioDetailSerializer(ScenarioSerializer):
    """A saved sizing with its inputs and the engine's full result."""

    inputs = WorkloadField(read_only=True)
    result = SizingResultField(read_only=True)

    class Meta(ScenarioSerializer.Meta):
        fields = [*ScenarioSerializer.Meta.fields, "inputs", "result"]


class ScenarioCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    inputs = WorkloadField()


class ScenarioUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    inputs = WorkloadField(required=False, help_text="new inputs are sized again")
