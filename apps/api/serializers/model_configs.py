"""Imported Hugging Face config.json files (POST /api/v1/model-configs/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.sizing.models import ModelConfig

from .sizing import _has_nul


class ConfigField(serializers.JSONField):
    """A config.json object, read by the engine's parser (which names each bad key)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError("must be a JSON object (the model's config.json)")
        if _has_nul(data):  # PostgreSQL's jsonb cannot store U+0000
            raise serializers.ValidationError("must not contain the character U+0000")
        return data


class ModelConfigCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="how the model is called; default: the config's _name_or_path or model_type",
    )
    config = ConfigField(
        help_text="the model's Hugging Face config.json, as published (nested text_config "
        "read for Llama 4 and Gemma 3)"
    )


class ModelConfigSerializer(serializers.ModelSerializer):
    """An imported config: what the parser read, and the workload's custom_model."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    architecture = serializers.SerializerMethodField()
    custom_model = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()

    class Meta:
        model = ModelConfig
        fields = [
            "id",
            "name",
            "owner",
            "family",
            "model_type",
            "params_b",
            "active_params_b",
            "architecture",
            "custom_model",
            "notes",
            "engine_version",
            "created_at",
        ]
        read_only_fields = fields

    def get_architecture(self, obj: ModelConfig) -> dict[str, Any]:
        return dict(obj.imported.get("architecture") or {})

    def get_custom_model(self, obj: ModelConfig) -> dict[str, Any]:
        """The object to send as a workload's ``custom_model`` (POST /api/v1/sizing/)."""
        return {**(obj.imported.get("custom_model") or {}), "name": obj.name}

    def get_notes(self, obj: ModelConfig) -> list[str]:
        return [str(n) for n in (obj.imported.get("architecture") or {}).get("notes") or []]


class ModelConfigDetailSerializer(ModelConfigSerializer):
    """With the config.json as it was sent."""

    class Meta(ModelConfigSerializer.Meta):
        fields = [*ModelConfigSerializer.Meta.fields, "config"]
        read_only_fields = fields
