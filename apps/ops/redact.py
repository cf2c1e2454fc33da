"""Secrets out of every log line, audit entry and error report.

What counts as a secret: a customer's share token (the path `/q/<token>/`: only its hash is
stored, so the log must not keep it either), an API token (`szp_<prefix>_<secret>`: the public
prefix stays, the secret goes), a `Bearer`/`Basic` credential, and the value of any query or
form parameter whose name says secret (token, key, secret, password, signature, session…).

Applied by `RedactSecretsFilter` on the log handlers (config.settings LOGGING: every logger,
Django's "Not Found: /q/…" warnings and the access log alike), by the JSON formatter on its
finished line (tracebacks included), by `apps.ops.services.audit_record` on details, and by
`RedactingExceptionReporter` and `RedactingReporterFilter` (settings.DEFAULT_EXCEPTION_REPORTER
and DEFAULT_EXCEPTION_REPORTER_FILTER) on error reports.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MARK = "[redacted]"

_SHARE_PATH = re.compile(r"(/q/)[A-Za-z0-9_-]{8,}")
_API_TOKEN = re.compile(r"\b(szp_[A-Za-z0-9]{1,16}_)[A-Za-z0-9_-]+")
_AUTH = re.compile(r"\b(Bearer|Basic)(\s+)(?!szp_|\[)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_SECRET_NAME = r"[A-Za-z0-9_.-]*(?:token|secret|pass(?:word|wd)?|key|signature|session|csrf)"  # noqa: S105
_SECRET_PARAM = re.compile(
    rf"(?<![A-Za-z0-9_.-])({_SECRET_NAME}[A-Za-z0-9_.-]*)(=|%3D)[^&\s\"'#;,]+", re.IGNORECASE
)
_SECRET_KEY = re.compile(rf"^{_SECRET_NAME}[A-Za-z0-9_.-]*$", re.IGNORECASE)


# Every secret above contains one of these: a line without any (most access lines) is left as
# it is after one search instead of four substitutions.
_ANY_SECRET = re.compile(r"/q/|szp_|bearer|basic|=|%3d", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every secret replaced by `[redacted]` (idempotent)."""
    if not text or not _ANY_SECRET.search(text):
        return text
    text = _SHARE_PATH.sub(lambda m: m.group(1) + MARK, text)
    text = _API_TOKEN.sub(lambda m: m.group(1) + MARK, text)
    text = _AUTH.sub(lambda m: m.group(1) + m.group(2) + MARK, text)
    return _SECRET_PARAM.sub(lambda m: m.group(1) + m.group(2) + MARK, text)


def redact_value(value: Any) -> Any:
    """Strings redacted inside dicts, lists and tuples (JSON-like values)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            k: MARK if isinstance(k, str) and _SECRET_KEY.match(k) and v else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactSecretsFilter(logging.Filter):
    """On a handler: the record's message (arguments merged in), its `extra` fields and its
    traceback text are redacted before any formatter sees them. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the formatter's own error
            return True
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str | dict | list | tuple):
                setattr(record, key, redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class RedactingReporterFilter(SafeExceptionReporterFilter):
    """settings.DEFAULT_EXCEPTION_REPORTER_FILTER: frame variables and request parameters
    whose name says secret (`token`, `share_token`, `password`…) are masked, and the share
    paths and tokens inside other strings redacted."""

    def _clean(self, name: str, value: Any) -> Any:
        if _SECRET_KEY.match(str(name)) and value:
            return self.cleansed_substitute
        return redact_value(value)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [
            (name, self._clean(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def get_post_parameters(self, request: Any) -> Any:
        params = super().get_post_parameters(request)
        if not params:
            return params
        cleaned = params.copy()
        for name in cleaned:
            cleaned[name] = self._clean(name, cleaned[name])
        return cleaned


class RedactingExceptionReporter(ExceptionReporter):
    """Django's error report (admin e-mail, DEBUG page) with the URL, GET/POST parameters,
    headers, frame variables and traceback text redacted."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (name, RedactingReporterFilter()._clean(name, value))
                for name, value in data["request_GET_items"]
            ]
        return data  # type: ignore[no-any-return]

    # Django's report is already escaped; redaction only swaps a secret for a fixed marker, so the
    # text stays as safe as Django made it.
    def get_traceback_text(self) -> SafeString:
        return mark_safe(redact(super().get_traceback_text()))  # noqa: S308 - see above

    def get_traceback_html(self) -> SafeString:
        return mark_safe(redact(super().get_traceback_html()))  # noqa: S308 - see above
