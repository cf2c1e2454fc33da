"""OpenAPI schema pieces: the token security scheme, and the error answers every operation can
give, added to every operation so the schema describes them all (one `Error` component)."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`validation_error`, with field messages) or unparsable JSON "
    "(`parse_error`).",
    "401": "No credentials, or an invalid, expired or revoked token.",
    "403": "Not allowed: a read-only token on a write, or a change only the owner may make.",
    "404": "No such object — or it belongs to another organization.",
    "409": "The object's state refuses the action (e.g. sending a quote that is not a draft).",
    "413": "The request body is over the size limit.",
    "415": "The body is not `application/json`.",
    "429": "Rate limit reached; retry after `Retry-After` seconds.",
}
HEADER_REQUEST_ID = {
    "schema": {"type": "string"},
    "description": "The request's id (the incoming X-Request-ID if sane).",
}
HEADER_RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "szp_<prefix>_<secret>",
            "description": "A partner API token made on the portal's API tokens page "
            "(/accounts/tokens/). Read-only tokens may use GET and "
            "POST /api/v1/sizing/ only.",
        }


class ApiAutoSchema(AutoSchema):
    """Adds the standard error answers (and X-Request-ID) to every operation."""

    def _error_codes(self) -> list[str]:
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = ["400", "429"] if public else ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in BODY_METHODS:
            codes += ["413", "415"]
        extra = getattr(self.view, "extra_error_codes", {})
        action = getattr(self.view, "action", None)
        return codes + list(extra.get(action, extra.get(self.method, [])))

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, None, direction)
                response["description"] = ERROR_DESCRIPTIONS.get(code, "Error.")
                responses[code] = response
        for response in responses.values():  # e.g. a 204 is built without headers
            response.setdefault("headers", {}).setdefault("X-Request-ID", HEADER_REQUEST_ID)
        return dict(sorted(responses.items()))

    def _get_response_headers_for_code(
        self, status_code: str, direction: str = "response"
    ) -> dict[str, Any]:
        headers = super()._get_response_headers_for_code(status_code, direction)
        headers["X-Request-ID"] = HEADER_REQUEST_ID
        if status_code == "429":
            headers["Retry-After"] = HEADER_RETRY_AFTER
        return headers
