"""JSON only, and bounded: a body over `API_MAX_BODY_BYTES` answers 413 before it is parsed.

DRF reads the body from the WSGI stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does
not apply to it; this parser enforces the limit on the declared length and on what it reads.
Anything but `application/json` is refused by DRF with 415. The body is parsed by
`apps.core.hygiene.loads` (bounded depth and numbers, no unpaired surrogate, NUL or control
character, NFC text): bad input is a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.core import hygiene

from .errors import ApiError


def max_body_bytes() -> int:
    return int(settings.API_MAX_BODY_BYTES)


def too_large() -> ApiError:
    return ApiError(
        413, "request_too_large", f"The request body is larger than {max_body_bytes()} bytes."
    )


class BoundedJSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large()
        try:
            text = raw.decode(self._encoding(parser_context))
            return hygiene.loads(text)
        except hygiene.InputRejected as exc:
            field = exc.field or "__all__"
            raise ApiError(
                400,
                "validation_error",
                f"Invalid input: {exc.field or 'the body'} {exc.message}.",
                {field: [f"This value {exc.message}."]},
            ) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None

    @staticmethod
    def _encoding(parser_context: dict[str, Any] | None) -> str:
        return (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
