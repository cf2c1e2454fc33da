"""No secret in a log line: share tokens (in the access log's path and Django's "Not Found"
warnings), API tokens and secret query parameters are redacted by the logging configuration
itself (the console handler's filter and formatter, as in production), in audit details and in
Django's error reports. The suite-wide check is tests/conftest.py's `_no_token_in_any_log_line`."""

from __future__ import annotations

import io
import json
import logging
from unittest import mock

import pytest
from django.test import RequestFactory

from apps.ops.models import AuditEvent
from apps.ops.redact import RedactingExceptionReporter, redact
from apps.ops.services import audit_record
from apps.quotes import services
from tests.conftest import SECRET_IN_LOG
from tests.quotes import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_lines():
    """What the configured console handler writes, line by line."""
    console = next(h for h in logging.getLogger().handlers if h.filters and h.formatter)
    stream = io.StringIO()
    old = console.setStream(stream)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        console.setStream(old)


@pytest.fixture
def share_token(book, media_root):
    user = factories.make_user(factories.make_org("seller"))
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        _quote, token = services.quote_send(user=user, quote=factories.make_quote(user))
    return token


def test_share_tokens_never_reach_the_access_log(client, share_token, console_lines) -> None:
    assert client.get(f"/q/{share_token}/").status_code == 200
    assert client.get(f"/q/{share_token}x/accept/").status_code == 404  # Django warns too
    lines = console_lines()
    assert lines and not any(share_token in line for line in lines)
    access = [json.loads(x) for x in lines if '"apps.ops.access"' in x]
    assert [a["path"] for a in access] == ["/q/[redacted]/", "/q/[redacted]/accept/"]
    assert access[0]["message"] == "GET /q/[redacted]/ 200"
    warning = next(json.loads(x) for x in lines if '"django.request"' in x)
    assert warning["message"] == "Not Found: /q/[redacted]/accept/"


def test_api_tokens_and_secret_parameters_are_redacted(console_lines) -> None:
    secret = "szp_abcdefgh_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"
    log = logging.getLogger("apps.test")
    log.warning("auth failed for %s", secret, extra={"url": "/x/?api_key=k1&page=2"})
    try:
        raise ValueError(f"Bearer {secret}")
    except ValueError:
        log.exception("boom at /q/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd/")
    text = "\n".join(console_lines())
    assert secret not in text and "Zm9vYmFy" not in text and "k1" not in text
    assert "szp_abcdefgh_[redacted]" in text and "api_key=[redacted]&page=2" in text
    assert "ValueError: Bearer szp_abcdefgh_[redacted]" in text
    assert not SECRET_IN_LOG.search(text)


def test_the_leak_detector_sees_an_unredacted_line() -> None:
    raw = "GET /q/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd/ 200"
    assert SECRET_IN_LOG.search(raw) and not SECRET_IN_LOG.search(redact(raw))
    assert SECRET_IN_LOG.search("Bearer szp_abcdefgh_s3cr3tvalue")


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("/q/abcDEF123_-xyz/pdf/", "/q/[redacted]/pdf/"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"),
        ("?token=abc&x=1&password=p%20q", "?token=[redacted]&x=1&password=[redacted]"),
        ("GET /sizing/?users=50 200", "GET /sizing/?users=50 200"),
    ],
)
def test_redact(raw, clean) -> None:
    assert redact(raw) == clean and redact(clean) == clean


def test_audit_details_are_redacted() -> None:
    audit_record("test.event", details={"path": "/q/abcdefghijklmnopqrst/", "token": "t0k"})
    event = AuditEvent.objects.get(action="test.event")
    assert event.details == {"path": "/q/[redacted]/", "token": "[redacted]"}


def _failing_view(request, token):
    raise RuntimeError(f"failed on {request.path}")


def test_error_reports_are_redacted(share_token) -> None:
    api_secret = "szp_abcdefgh_" + "Q" * 24
    request = RequestFactory().get(
        f"/q/{share_token}/?session=" + "S" * 12, HTTP_AUTHORIZATION=f"Bearer {api_secret}"
    )
    try:
        _failing_view(request, share_token)
    except RuntimeError as exc:
        reporter = RedactingExceptionReporter(request, type(exc), exc, exc.__traceback__)
    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        for secret in (share_token, "Q" * 24, "S" * 12):
            assert secret not in report, report[report.index(secret) - 300 :][:400]
        assert "/q/[redacted]/" in report
