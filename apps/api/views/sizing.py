"""POST /api/v1/sizing/ (a workload in, the engine's full result out — the same as
`manage.py size`) and /api/v1/scenarios/ (saved sizings: CRUD and run again)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import PriceBook
from apps.catalog.selectors import catalog_revision, price_book_current
from apps.core.exceptions import ApplicationError
from apps.quotes import selectors as quote_selectors
from apps.sizing import gateway, selectors, services
from apps.sizing.models import Scenario

from .. import sizing_memo
from ..errors import ApiError, application_error, sizing_error
from ..parsers import json_data
from ..renderers import render_sizing, rendered_response
from ..serializers.engine import SizingResultSerializer, WorkloadSerializer
from ..serializers.sizing import (
    ScenarioCreateSerializer,
    ScenarioDetailSerializer,
    ScenarioFilter,
    ScenarioSerializer,
    ScenarioUpdateSerializer,
    SizingQuery,
)
from ..throttles import ReadWriteThrottle, SizingThrottle
from .common import query

ONE_NODE_INFERENCE = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 1,
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300},
}


def price_book_or_400(code: str | None, field: str = "price_book") -> PriceBook | None:
    """A price book the caller may use (valid today), by code; None when not given."""
    if not code:
        return None
    book = quote_selectors.price_books_available().filter(code=code).first()
    if book is None:
        raise ApiError(
            400,
            "validation_error",
            f"No price book {code!r} is valid today.",
            {field: ["Unknown price book, or not valid today."]},
        )
    return book


class SizingApi(APIView):
    """Size a workload. Nothing is saved (save it with POST /api/v1/scenarios/)."""

    throttle_classes = [ReadWriteThrottle, SizingThrottle]
    read_only_ok = True  # a computation: read-only tokens may size

    @extend_schema(
        operation_id="sizing_run",
        tags=["sizing"],
        request=WorkloadSerializer,
        parameters=[SizingQuery],
        responses={200: SizingResultSerializer},
        examples=[
            OpenApiExample("One-node inference", value=ONE_NODE_INFERENCE, request_only=True)
        ],
        description="The body is a workload exactly as `manage.py size` reads it; the answer "
        "is the engine's full result (docs/sizing-engine.md). Invalid or impossible "
        "workloads answer 400 with the engine's messages keyed by dotted field "
        "path (`inference.concurrent_users`). Read-only tokens may call it.",
    )
    def post(self, request: Request) -> HttpResponse:
        params = query(request, SizingQuery) if request.query_params else {}  # no fields to fill
        book = price_book_or_400(params.get("price_book")) or price_book_current()
        workload = json_data(request)
        memo_key = sizing_memo.key(workload, book)
        kept = sizing_memo.get(memo_key)
        if kept is not None:  # the same workload, catalog and price book: the same answer
            response = rendered_response(kept)
            response["Server-Timing"] = 'engine;dur=0;desc="answer kept"'
            return response
        revision = catalog_revision()
        sizing = gateway.size(workload, book=book)
        if sizing.result is None:
            raise sizing_error(sizing)
        answer = render_sizing(sizing.result)
        sizing_memo.put(memo_key, answer, revision)
        response = rendered_response(answer)
        response["Server-Timing"] = f"engine;dur={sizing.elapsed_ms:.1f}"
        return response


def _scenario_or_404(request: Request, pk: Any) -> Scenario:
    return selectors.scenario_get_for_user(request.user, _int_or_404(pk))


def _int_or_404(pk: Any) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError):
        value = -1
    if not 0 < value < 2**63:
        raise ApiError(404, "not_found", "Not found.")
    return value


@extend_schema_view(
    list=extend_schema(
        parameters=[ScenarioFilter],
        description=(
            "Scenarios of the caller's organization, newest first (headline figures only)."
        ),
    ),
    retrieve=extend_schema(description="A scenario with its inputs and full result."),
    create=extend_schema(
        request=ScenarioCreateSerializer,
        responses={201: ScenarioDetailSerializer},
        description="Size `inputs` and save the result. 400 with "
        "`inputs.<path>` messages when the engine refuses them.",
    ),
    partial_update=extend_schema(
        request=ScenarioUpdateSerializer,
        responses={200: ScenarioDetailSerializer},
        description="Rename, and/or replace the inputs (sized again). Owner or an admin "
        "of the organization only (403 for colleagues).",
    ),
    destroy=extend_schema(
        description="Delete; 409 while quotes point at the scenario. "
        "Owner or an admin of the organization only."
    ),
)
class ScenarioViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Saved sizings of the caller's organization."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    throttle_classes = [ReadWriteThrottle, SizingThrottle]
    engine_actions = {"create", "partial_update", "run"}
    extra_error_codes = {"destroy": ["409"], "run": ["409"]}
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> Any:
        return ScenarioSerializer if self.action == "list" else ScenarioDetailSerializer

    def get_queryset(self) -> QuerySet[Scenario]:
        if self.action != "list":
            return selectors.scenario_list(self.request.user)
        params = query(self.request, ScenarioFilter)
        return selectors.scenario_rows(
            self.request.user, mine=params.get("mine", False), search=params.get("search", "")
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ScenarioDetailSerializer(_scenario_or_404(request, pk)).data)

    def create(self, request: Request) -> Response:
        data = _valid(ScenarioCreateSerializer, request.data)
        try:
            scenario = services.scenario_create(
                user=request.user, name=data["name"], inputs=data["inputs"]
            )
        except ApplicationError as exc:
            raise application_error(exc, prefix="inputs") from None
        return Response(ScenarioDetailSerializer(scenario).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        scenario = self._changeable(request, pk)
        data = _valid(ScenarioUpdateSerializer, request.data)
        try:
            scenario = services.scenario_update(
                scenario=scenario, name=data.get("name"), inputs=data.get("inputs")
            )
        except ApplicationError as exc:
            raise application_error(exc, prefix="inputs") from None
        return Response(ScenarioDetailSerializer(scenario).data)

    def destroy(self, request: Request, pk: str) -> Response:
        scenario = self._changeable(request, pk)
        try:
            services.scenario_delete(scenario=scenario)
        except ApplicationError as exc:
            raise application_error(exc, status_code=409, code="conflict") from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: ScenarioDetailSerializer},
        description="Size the saved inputs again with the current engine and "
        "catalog and keep the new result. Owner or an admin only.",
    )
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        scenario = self._changeable(request, pk)
        try:
            scenario = services.scenario_rerun(scenario=scenario)
        except ApplicationError as exc:
            raise application_error(
                exc, status_code=409, code="conflict", prefix="inputs"
            ) from None
        return Response(ScenarioDetailSerializer(scenario).data)

    def _changeable(self, request: Request, pk: str) -> Scenario:
        scenario = _scenario_or_404(request, pk)
        if not selectors.scenario_can_change(request.user, scenario):
            raise ApiError(
                403,
                "permission_denied",
                "Only the scenario's owner or an admin of its organization may change it.",
            )
        return scenario


def _valid(serializer_class: Any, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(
            400,
            "validation_error",
            "The body must be a JSON object.",
            {"__all__": ["must be a JSON object"]},
        )
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
