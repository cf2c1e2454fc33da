"""One URL, two renderings: a full page normally, the partial for an htmx request."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True for requests sent by htmx (and not for history restores, which need the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
