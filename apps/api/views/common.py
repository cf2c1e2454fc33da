"""Helpers shared by the API views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def query(request: Request, filter_class: type[serializers.Serializer]) -> dict[str, Any]:
    """Validated query parameters (400 with field messages when invalid). A plain dict, so a
    missing boolean stays missing instead of meaning false as in an HTML form."""
    params = filter_class(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)
