"""Types for code behind ``login_required``."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a signed-in ``User`` (for mypy; at
    run time it is Django's ``HttpRequest``)."""

    user: User
