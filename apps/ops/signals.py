"""Signal receivers of the ops app (connected once by `OpsConfig.ready`).

- Sign-ins: success and failure go to the audit log; failures count toward the throttle; a
  success stores the login time in the session (the absolute lifetime starts there).
- Price books: saves and deletes of a price book or a price (the admin, a shell) go to the
  audit log, in the saving transaction. Imports write with bulk operations (no signals) and
  record one `catalog.imported` event themselves.
- Celery: the task id joins the log context; the publishing request's id travels in a message
  header, so a task's log lines carry the request id that asked for it.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .auth import THROTTLED_ATTR
from .context import client_ip, request_id_var, task_id_var

LOGIN_AT_SESSION_KEY = "ops_login_at"
RENEWED_AT_SESSION_KEY = "ops_renewed_at"
REQUEST_ID_HEADER = "portal_request_id"


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .services import audit_record, login_failures_clear

    if request is None:
        return
    if hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = int(time.time())
    login_failures_clear(user.get_username(), client_ip(request))
    audit_record("auth.login", actor=user, obj=user, request=request)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    from .services import audit_record, login_failure_record

    username = str(credentials.get("username", ""))[:150]
    throttled = bool(getattr(request, THROTTLED_ATTR, 0))
    if not throttled:  # refusals while throttled do not extend the lock
        login_failure_record(username, client_ip(request))
    audit_record(
        "auth.login_throttled" if throttled else "auth.login_failed",
        actor_label=username or "(no username)",
        request=request,
        details={"username": username},
    )


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .services import audit_record

    if user is not None and request is not None:
        reason = getattr(request, "ops_logout_reason", "")
        audit_record(
            "auth.logout",
            actor=user,
            obj=user,
            request=request,
            details={"reason": reason} if reason else {},
        )


def _before_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    rid = request_id_var.get()
    if rid and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, rid)


def _task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    task_id_var.set(task_id)
    rid = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    request_id_var.set(rid if isinstance(rid, str) else None)


def _task_postrun(**kwargs: Any) -> None:
    task_id_var.set(None)
    request_id_var.set(None)


def connect() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun
    from django.contrib import admin

    from .auth import RateLimitedAdminAuthenticationForm

    user_logged_in.connect(_logged_in, dispatch_uid="ops-login")
    user_login_failed.connect(_login_failed, dispatch_uid="ops-login-failed")
    user_logged_out.connect(_logged_out, dispatch_uid="ops-logout")
    before_task_publish.connect(_before_publish, dispatch_uid="ops-publish", weak=False)
    task_prerun.connect(_task_prerun, dispatch_uid="ops-prerun", weak=False)
    task_postrun.connect(_task_postrun, dispatch_uid="ops-postrun", weak=False)
    admin.site.login_form = RateLimitedAdminAuthenticationForm
