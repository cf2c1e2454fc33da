"""Catalog resources (read only). Decimal specs and prices are strings, exact to the stored
decimal places."""

from __future__ import annotations

from rest_framework import serializers

from apps.catalog.choices import PartCategory
from apps.catalog.models import Gpu, LlmModel, Part, Platform, Price, PriceBook


class PartSerializer(serializers.ModelSerializer):
    class Meta:
        model = Part
        fields = ["part_number", "description", "category", "orderable", "source"]


class GpuSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(
        source="part.part_number", allow_null=True, default=None, read_only=True
    )

    class Meta:
        model = Gpu
        fields = [
            "slug",
            "name",
            "part_number",
            "memory_gb",
            "memory_mib",
            "memory_mib_source",
            "memory_type",
            "memory_bandwidth_gbps",
            "tflops_bf16",
            "tflops_fp16",
            "tflops_fp8",
            "tflops_int8",
            "tdp_w",
            "link",
            "link_domain",
            "link_bandwidth_gbps",
            "slot_width",
            "form_factor",
            "reference",
            "source",
        ]


class LlmModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = LlmModel
        fields = [
            "slug",
            "name",
            "family",
            "layers",
            "hidden_size",
            "heads",
            "kv_heads",
            "ffn_size",
            "vocab_size",
            "context_length",
            "params_b",
            "active_params_b",
            "experts",
            "experts_per_token",
            "source",
        ]


class PlatformSerializer(serializers.ModelSerializer):
    gpu_base = serializers.CharField(source="gpu_base.part_number", read_only=True)

    class Meta:
        model = Platform
        fields = [
            "slug",
            "name",
            "gpu_base",
            "rack_units",
            "gpu_slots",
            "sockets",
            "dimm_slots",
            "memory_channels",
            "psu_count",
            "pcie_slots_for_adapters",
            "platform_overhead_w",
            "source",
        ]


class PriceBookSerializer(serializers.ModelSerializer):
    is_default = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text="your organization's default price book: quotes created without "
        "`price_book` use it (and its currency)",
    )

    class Meta:
        model = PriceBook
        fields = ["code", "name", "currency", "valid_from", "valid_to", "sample", "is_default"]


class PriceSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    description = serializers.CharField(source="part.description", read_only=True)

    class Meta:
        model = Price
        fields = ["part_number", "description", "unit_price"]


# --- filters (query parameters) ------------------------------------------------------------


class SearchFilter(serializers.Serializer):
    search = serializers.CharField(
        required=False, max_length=100, help_text="case-insensitive substring"
    )


class PartFilter(SearchFilter):
    category = serializers.ChoiceField(choices=PartCategory.choices, required=False)
    orderable = serializers.BooleanField(required=False, allow_null=True, default=None)


class GpuFilter(serializers.Serializer):
    reference = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: reference GPUs (capacity mode only); false: orderable ones",
    )


class LlmModelFilter(SearchFilter):
    family = serializers.CharField(required=False, max_length=60)
