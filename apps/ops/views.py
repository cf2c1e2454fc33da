"""`handler500`: an error raised outside a view (by a middleware, e.g. the session save after
the database went away) still answers 503 + Retry-After when the database is the cause."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from .responses import is_database_unavailable, unavailable_response


def server_error(request: HttpRequest) -> HttpResponse:
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request)
