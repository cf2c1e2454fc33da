"""/api/v1/model-configs/: Hugging Face config.json files imported by an organization.

POST reads the file with the engine's one config.json parser (the same as the wizard upload
and `manage.py size --config`) and keeps what it read; the answer's `custom_model` is what a
workload sends to POST /api/v1/sizing/ to size that model. Another organization's config is
not found (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.exceptions import ApplicationError
from apps.sizing import selectors, services
from apps.sizing.engine import SizingInputError
from apps.sizing.models import ModelConfig

from ..errors import ApiError, application_error, prefixed
from ..serializers.model_configs import (
    ModelConfigCreateSerializer,
    ModelConfigDetailSerializer,
    ModelConfigSerializer,
)
from ..throttles import ReadWriteThrottle
from .sizing import _int_or_404, _valid

EXAMPLE = {
    "name": "Llama 3.1 8B",
    "config": {
        "model_type": "llama",
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "intermediate_size": 14336,
        "vocab_size": 128256,
        "max_position_embeddings": 131072,
    },
}


@extend_schema_view(
    list=extend_schema(description="The organization's imported configs, newest first."),
    retrieve=extend_schema(description="One imported config, with the config.json as sent."),
    create=extend_schema(
        request=ModelConfigCreateSerializer,
        responses={201: ModelConfigDetailSerializer},
        examples=[OpenApiExample("Llama 3.1 8B", value=EXAMPLE, request_only=True)],
        description="Import a Hugging Face config.json (Llama 2/3/4, Mistral, Mixtral, Qwen "
        "2/2.5/3 dense and MoE, DeepSeek V2/V3/R1, gpt-oss, Gemma 2/3, Phi-3/4). The "
        "answer has the architecture the engine read, the total and active parameters "
        "and `custom_model`, the object a workload sends to POST /api/v1/sizing/. A key "
        "the parser cannot use answers 400 with messages keyed `config.<key>` "
        "(`config.text_config.num_hidden_layers`).",
    ),
    destroy=extend_schema(
        description="Forget an imported config. Its importer or an admin of the organization."
    ),
)
class ModelConfigViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported model configs of the caller's organization."""

    http_method_names = ["get", "post", "delete", "head", "options"]
    throttle_classes = [ReadWriteThrottle]
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> Any:
        return ModelConfigSerializer if self.action == "list" else ModelConfigDetailSerializer

    def get_queryset(self) -> QuerySet[ModelConfig]:
        return selectors.model_config_list(self.request.user)

    def get_object(self) -> ModelConfig:
        return selectors.model_config_get_for_user(
            self.request.user, _int_or_404(self.kwargs["pk"])
        )

    def create(self, request: Request) -> Response:
        data = _valid(ModelConfigCreateSerializer, request.data)
        try:
            model_config = services.model_config_create(
                user=request.user, config=data["config"], name=data.get("name", "")
            )
        except SizingInputError as exc:
            raise ApiError(
                400,
                "validation_error",
                "The config.json cannot be read: " + exc.message,
                prefixed(exc.field_errors, ""),
            ) from None
        except ApplicationError as exc:
            raise application_error(exc) from None
        return Response(
            ModelConfigDetailSerializer(model_config).data, status=status.HTTP_201_CREATED
        )

    def destroy(self, request: Request, pk: str) -> Response:
        model_config = self.get_object()
        if not selectors.model_config_can_change(request.user, model_config):
            raise ApiError(
                403,
                "permission_denied",
                "Only the config's importer or an admin of its organization may delete it.",
            )
        services.model_config_delete(model_config=model_config)
        return Response(status=status.HTTP_204_NO_CONTENT)
