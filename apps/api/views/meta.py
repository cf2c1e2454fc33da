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


# The answer is built as a plain dict (MeSerializer documents it in the schema): DRF's
# Serializer.data deep-copied its nine fields on every call, a fifth of the endpoint's CPU
# (bench/bench_api.py). Only the datetime needs a field's rendering (ISO 8601, `Z`).
_EXPIRES = serializers.DateTimeField()


class MeApi(APIView):
    @extend_schema(operation_id="me", tags=["meta"], responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user, token = request.user, request.auth
        org = user.organization
        is_token = isinstance(token, ApiToken)
        return Response(
            {
                "username": str(user.get_username()),
                "organization": str(org.slug) if org else None,
                "organization_kind": str(org.kind) if org else None,
                "role": str(user.role),
                "auth": "token" if is_token else "session",
                "token_name": str(token.name) if is_token else None,
                "token_scope": str(token.scope) if is_token else None,
                "token_expires_at": _EXPIRES.to_representation(token.expires_at)
                if is_token and token.expires_at is not None
                else None,
                "rate_limits": {
                    k: None if v is None else str(v) for k, v in rates().items() if k != "anon"
                },
            }
        )
