"""GET /api/v1/catalog/…: parts, GPUs, platforms, the model library and the price books the
caller may use (those valid today), with their prices. Read only; any authenticated caller."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import LlmModel, Platform
from apps.quotes import selectors as quote_selectors

from ..serializers import catalog as s
from .common import query

LOOKUP_ANY = r"[^/]+"


@extend_schema_view(list=extend_schema(parameters=[s.PartFilter]))
class PartViewSet(viewsets.ReadOnlyModelViewSet):
    """Orderable and reference parts, by part number."""

    serializer_class = s.PartSerializer
    lookup_field = "part_number"
    lookup_value_regex = LOOKUP_ANY

    def get_queryset(self) -> QuerySet[Any]:
        if self.action != "list":
            return catalog_selectors.part_list()
        params = query(self.request, s.PartFilter)
        parts = catalog_selectors.part_list(
            search=params.get("search", ""), category=params.get("category", "")
        )
        if params.get("orderable") is not None:
            parts = parts.filter(orderable=params["orderable"])
        return parts


@extend_schema_view(list=extend_schema(parameters=[s.GpuFilter]))
class GpuViewSet(viewsets.ReadOnlyModelViewSet):
    """GPUs: the architecture's own first, then reference GPUs (capacity mode only)."""

    serializer_class = s.GpuSerializer
    lookup_field = "slug"
    lookup_value_regex = LOOKUP_ANY

    def get_queryset(self) -> QuerySet[Any]:
        gpus = catalog_selectors.gpu_list()
        if self.action == "list":
            reference = query(self.request, s.GpuFilter).get("reference")
            if reference is not None:
                gpus = gpus.filter(reference=reference)
        return gpus


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """Server platforms (SR675 V3 with an 8DW or 4DW GPU base)."""

    serializer_class = s.PlatformSerializer
    lookup_field = "slug"
    lookup_value_regex = LOOKUP_ANY
    queryset = Platform.objects.select_related("gpu_base").order_by("pk")


@extend_schema_view(list=extend_schema(parameters=[s.LlmModelFilter]))
class LlmModelViewSet(viewsets.ReadOnlyModelViewSet):
    """The model library: what `model` in a workload refers to."""

    serializer_class = s.LlmModelSerializer
    lookup_field = "slug"
    lookup_value_regex = LOOKUP_ANY

    def get_queryset(self) -> QuerySet[Any]:
        models = LlmModel.objects.order_by("pk")
        if self.action == "list":
            params = query(self.request, s.LlmModelFilter)
            if params.get("search"):
                models = models.filter(name__icontains=params["search"])
            if params.get("family"):
                models = models.filter(family__iexact=params["family"])
        return models


class PriceBookViewSet(viewsets.ReadOnlyModelViewSet):
    """The price books valid today (the ones a quote may use), and their prices. SAMPLE books
    hold invented, plausible list prices, not Lenovo's."""

    serializer_class = s.PriceBookSerializer
    lookup_field = "code"
    lookup_value_regex = LOOKUP_ANY

    def get_queryset(self) -> QuerySet[Any]:
        return quote_selectors.price_books_available_to(self.request.user)

    @extend_schema(parameters=[s.SearchFilter], responses=s.PriceSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=s.PriceSerializer)
    def prices(self, request: Request, code: str) -> Response:
        """Unit prices of the book, by part number (paginated)."""
        book = self.get_object()
        prices = book.prices.select_related("part").order_by("part__part_number")
        search = query(request, s.SearchFilter).get("search")
        if search:
            prices = prices.filter(part__part_number__icontains=search)
        page = self.paginate_queryset(prices)
        return self.get_paginated_response(s.PriceSerializer(page, many=True).data)
