"""GET /api/v1/me/: who the credentials belong to — the first call to try with a new token
(and the benchmark's trivial authenticated endpoint)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ApiToken

from ..throttles import rates


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    organization = serializers.CharField(allow_null=True, help_text="organization slug")
    organization_kind = serializers.CharField(allow_null=True)
    role = serializers.CharField()
    auth = serializers.ChoiceField(choices=["token", "session"])
    token_name = serializers.CharField(allow_null=True)
    token_scope = serializers.CharField(allow_null=True)
    token_expires_at = serializers.DateTimeField(allow_null=True)
    rate_limits = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="requests per period, by throttle scope",
    )


class MeApi(APIView):
    @extend_schema(operation_id="me", tags=["meta"], responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user, token = request.user, request.auth
        org = user.organization
        is_token = isinstance(token, ApiToken)
        return Response(
            MeSerializer(
                {
                    "username": user.get_username(),
                    "organization": org.slug if org else None,
                    "organization_kind": org.kind if org else None,
                    "role": user.role,
                    "auth": "token" if is_token else "session",
                    "token_name": token.name if is_token else None,
                    "token_scope": token.scope if is_token else None,
                    "token_expires_at": token.expires_at if is_token else None,
                    "rate_limits": {k: v for k, v in rates().items() if k != "anon"},
                }
            ).data
        )
