"""The OpenAPI schema, generated once per process and kept as the bytes sent.

drf-spectacular builds the schema on every request by walking every view and serializer:
~0.13 s of CPU, plus ~0.035 s to write it as YAML (bench/bench_schema.py), and under
concurrency those long requests were the ones that failed. The schema depends only on the
code and the settings, so the first request for a format (YAML, JSON) generates and renders
it, under a lock so concurrent first requests generate it once, and later requests get the
same bytes. A settings change (tests' `override_settings`) forgets it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

_lock = threading.Lock()
_rendered: dict[tuple[Any, ...], tuple[bytes, str, str]] = {}


def forget(**_: Any) -> None:
    with _lock:
        _rendered.clear()


setting_changed.connect(forget, dispatch_uid="api-schema-forget")


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with ?format=json); public, like the docs."""

    content_negotiation_class = DefaultContentNegotiation

    @extend_schema(**SCHEMA_KWARGS)  # as the base view: the schema leaves itself out
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        key = (
            request.accepted_renderer.format,
            request.accepted_media_type,
            self.api_version or request.version or self._get_version_parameter(request),
            request.GET.get("lang") or translation.get_language(),
        )
        with _lock:  # one generation at a time; the others wait for its bytes
            hit = _rendered.get(key)
            if hit is None:
                response = super().get(request, *args, **kwargs)
                response = self.finalize_response(request, response, *args, **kwargs)
                response.render()
                hit = (
                    response.content,
                    response["Content-Type"],
                    response["Content-Disposition"],
                )
                _rendered[key] = hit
        body, content_type, disposition = hit
        return HttpResponse(
            body, content_type=content_type, headers={"Content-Disposition": disposition}
        )
