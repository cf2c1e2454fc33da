"""Input hygiene at the edge: what the portal accepts from outside is text it can store and
render back.

Refused, with the field named (a 400, never a 500 later):
- strings with an unpaired UTF-16 surrogate (cannot be encoded as UTF-8: every page showing
  them failed), a NUL byte (PostgreSQL refuses it in text and jsonb) or another C0/C1 control
  character (tab, line feed and carriage return are text);
- text longer than `MAX_TEXT_CHARS` (fields have their own, smaller limits; this is the
  backstop for free text);
- JSON nested deeper than `MAX_JSON_DEPTH`, integers of more than `MAX_NUMBER_DIGITS` digits,
  non-finite numbers (NaN, Infinity, 1e999).

Normalised: every string to Unicode NFC (one spelling of "é", so searches and comparisons
agree). Applied by `InputHygieneMiddleware` to every query string and form, by the API's JSON
parser to every body, and by the config.json upload; `manage.py repair_text` repairs rows
stored before (see `repair_text`).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from apps.sizing.engine.models.hf_config import max_bracket_depth

MAX_TEXT_CHARS = 20_000
MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class InputRejected(ValueError):
    """Bad input: `field` (a dotted path, "" for the whole body) and the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field or 'body'}: {message}")
        self.field, self.message = field, message


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored and shown, or None."""
    if _SURROGATE.search(value):
        return "contains an unpaired surrogate (not valid Unicode text)"
    if "\x00" in value:
        return "contains a NUL character"
    control = _CONTROL.search(value)
    if control:
        return f"contains the control character U+{ord(control.group()):04X}"
    if len(value) > MAX_TEXT_CHARS:
        return f"is too long ({len(value):,} characters; at most {MAX_TEXT_CHARS:,})"
    return None


def clean_text(value: str, field: str) -> str:
    """`value` in NFC, or InputRejected naming `field`."""
    problem = text_problem(value)
    if problem:
        raise InputRejected(field, problem)
    return unicodedata.normalize("NFC", value)


def clean_value(value: Any, field: str = "") -> Any:
    """A parsed JSON value with every string (keys included) cleaned, iteratively."""
    if isinstance(value, str):
        return clean_text(value, field)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputRejected(field, "must be a finite number")
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            path = f"{field}.{key}" if field else str(key)
            out[clean_text(str(key), path)] = clean_value(item, path)
        return out
    if isinstance(value, list):
        return [
            clean_value(item, f"{field}.{i}" if field else str(i)) for i, item in enumerate(value)
        ]
    return value


def json_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings (a linear scan, no recursion): the same scan
    the engine's config.json import makes."""
    return max_bracket_depth(text)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise InputRejected(
            "", f"has a number with {len(text):,} digits (at most {MAX_NUMBER_DIGITS})"
        )
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise InputRejected("", f"has a number of {len(text):,} characters")
    value = float(text)
    if not math.isfinite(value):
        raise InputRejected("", f"has a number out of range ({text[:20]})")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")  # not JSON at all: a parse error


# Text that cannot hold anything `loads` refuses or changes: printable ASCII and JSON's
# whitespace, no backslash (so no escape can make a surrogate, NUL or control character; ASCII
# is NFC), no run of 19 characters of a number (orjson reads integers beyond 64 bits as
# floats; the checked parse refuses numbers over 50 characters). Checked on the text's ASCII
# bytes with `bytes.translate` (one C pass each, then a substring search): the regular
# expressions `[\t\n\r\x20-\x5b\x5d-\x7e]*` (fullmatch) and `[0-9.eE+-]{19}` (search) they
# stand for cost 30 k instructions on a one-node workload (bench/bench_api_callgrind.py's
# body, 167 characters), these 3 k.
_PLAIN_BYTES = bytes([9, 10, 13, *range(0x20, 0x5C), *range(0x5D, 0x7F)])
_NUMBER_BYTES = b"0123456789.eE+-"
_AS_NUMBER_RUN = bytes(48 if b in _NUMBER_BYTES else 32 for b in range(256))  # "0" or " "
_NUMBER_RUN = b"0" * 19


def _plain_bytes(text: str) -> bytes | None:
    """`text` as ASCII bytes when it is plain JSON text (the characters above, no run of a
    number's characters), else None."""
    if not text.isascii():
        return None
    raw = text.encode("ascii")
    if raw.translate(None, _PLAIN_BYTES) or _NUMBER_RUN in raw.translate(_AS_NUMBER_RUN):
        return None
    return raw


def _plain(text: str) -> Any:
    """`text` parsed by orjson when that is certainly what the checked parse would give
    (a one-node workload: 13 -> 3 µs), else None. Short (no string can be over
    MAX_TEXT_CHARS), too few brackets to nest too deep, no long number; orjson refuses NaN,
    Infinity and 1e999 (the checked parse then says why)."""
    if len(text) > MAX_TEXT_CHARS or text.count("{") + text.count("[") > MAX_JSON_DEPTH:
        return None
    raw = _plain_bytes(text)
    if raw is None:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None  # a scalar: the checked parse


def loads(text: str) -> Any:
    """JSON text parsed and cleaned; InputRejected (field "" for the whole text, else the
    dotted path of the bad value) or ValueError for text that is not JSON."""
    plain = _plain(text)
    return plain if plain is not None else loads_checked(text)


def loads_checked(text: str) -> Any:
    """`loads` without the shortcut for plain text: every check made."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise InputRejected("", f"is nested more than {MAX_JSON_DEPTH} levels deep")
    value = json.loads(
        text, parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_no_constant
    )
    return clean_value(value)


def clean_querydict(data: QueryDict) -> QueryDict | None:
    """A cleaned copy of a query string or form (None when nothing changed);
    InputRejected naming the first bad field."""
    changed = False
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        name = clean_text(key, key)
        out = [clean_text(v, key) for v in values]
        changed = changed or name != key or out != values
        cleaned.setlist(name, out)
    if not changed:
        return None
    cleaned._mutable = False
    return cleaned


class InputHygieneMiddleware:
    """Every query string and form (urlencoded or multipart) is checked and normalised before
    a view sees it; bad text answers 400 naming the field, in the API's format under /api/.
    JSON bodies are the API parser's and the upload's business (`loads`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            cleaned = clean_querydict(request.GET)
            if cleaned is not None:
                request.GET = cleaned  # type: ignore[assignment]
            if request.method == "POST" and request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                cleaned = clean_querydict(request.POST)
                if cleaned is not None:
                    request.POST = cleaned  # type: ignore[assignment]
        except InputRejected as exc:
            return rejected_response(request, exc)
        return self.get_response(request)


def rejected_response(request: HttpRequest, exc: InputRejected) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {
            "error": {
                "code": "validation_error",
                "message": f"Invalid input: {exc.field or 'the body'} {exc.message}.",
                "fields": {exc.field or "__all__": [f"This value {exc.message}."]},
            },
            "request_id": str(getattr(request, "request_id", "")),  # set by RequestIdMiddleware
        }
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
    return render(
        request, "core/bad_input.html", {"field": exc.field, "message": exc.message}, status=400
    )


# --- repairing rows stored before the edge checked them (manage.py repair_text) -------------


def repair_text(value: str) -> str:
    """Text that can be stored and shown: unpaired surrogates become U+FFFD, NUL and other
    control characters (not tab, line feed, carriage return) are removed, then NFC."""
    value = _SURROGATE.sub("\ufffd", value)
    value = _CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value)


def repair_value(value: Any) -> Any:
    """`repair_text` on every string (keys included) of a JSON value."""
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, dict):
        return {repair_text(str(k)): repair_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [repair_value(v) for v in value]
    return value
