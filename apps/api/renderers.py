"""The API's JSON renderer: DRF's output, encoded by orjson.

Measured with bench/bench_api.py's one-node sizing answer (24 KB): DRF's JSONRenderer took
0.40 ms per response, orjson 0.01 ms. Same JSON as DRF's compact, UTF-8 rendering: what orjson
does not encode itself (Decimal, lazy strings, dates, …) goes through DRF's own encoder;
datetimes too, so they keep DRF's form (`…Z`). A request for indented output falls back to
DRF's renderer. A sizing answer's BoM is rendered once per kept cluster side (`render_sizing`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
# Keys that are not strings (an int, a date) are rare; asking orjson to accept them makes every
# dict slower (one-node sizing answer: 26 -> 16 µs without), so it is the second try.
_NON_STR_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default


def render_json(data: Any) -> bytes:
    """`data` as the API renders it (compact UTF-8 JSON)."""
    return OrjsonRenderer().render(data)


BOMS_KEPT = 32
# The JSON of a BoM by the identities of its lines, with the lines (held, so no id is reused
# while its entry lives): `render_sizing`.
_boms: OrderedDict[tuple[int, ...], tuple[list[Any], orjson.Fragment]] = OrderedDict()
_boms_lock = threading.Lock()


def render_sizing(answer: dict[str, Any]) -> bytes:
    """`render_json(answer)` of a sizing answer, its BoM rendered once per kept cluster side:
    the answers of one cluster for different loads (the API's distinct workloads) hold the
    very same line objects (engine/result.py `to_dict`, read-only), a third of a one-node
    answer's JSON. The same bytes as `render_json(answer)`; a BoM of new lines is rendered
    and kept like any other (the least recently used out first)."""
    bom = answer.get("bom")
    if type(bom) is not list or not bom:
        return render_json(answer)
    key = tuple(map(id, bom))
    entry = _boms.get(key)
    if entry is None:
        entry = (list(bom), orjson.Fragment(render_json(bom)))
        with _boms_lock:
            _boms[key] = entry
            while len(_boms) > BOMS_KEPT:
                _boms.popitem(last=False)
    try:
        return orjson.dumps({**answer, "bom": entry[1]}, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:  # what only the fallbacks of render_json render
        return render_json(answer)


def rendered_response(content: bytes) -> HttpResponse:
    """A 200 answering JSON rendered before (`render_sizing`, an answer kept by
    api/sizing_memo.py): what DRF's `Response(orjson.Fragment(content))` sends once rendered,
    the same bytes and Content-Type (`OrjsonRenderer.media_type`; JSON has no charset
    parameter), without the template response DRF builds to render it (its construction,
    content negotiation's renderer hand-over and rendering: ~0.08 M instructions of a POST
    /api/v1/sizing/, bench/bench_api_callgrind.py). The view's other headers (Allow, Vary)
    are added by DRF's `finalize_response` either way."""
    return HttpResponse(content, content_type=OrjsonRenderer.media_type)


class OrjsonRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, orjson.Fragment):  # JSON rendered before (sent as it is)
            return orjson.dumps(data)
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)  # type: ignore[no-any-return]
        try:
            return orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            pass
        try:
            return orjson.dumps(data, default=_default, option=_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: DRF's own rendering
            return super().render(data, accepted_media_type, renderer_context)  # type: ignore[no-any-return]
