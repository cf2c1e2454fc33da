"""The portal's e-mails, through Django's e-mail framework (EMAIL_BACKEND: SMTP from the
environment in production, a file outbox on the embedded default, locmem in tests):

- the customer's, when a quote is sent: the share link, the total and the validity (task
  `quotes.email_link`). The token is in the link only: it is not stored (only its hash) nor
  logged;
- the sales managers', when a sender asks for a discount approval: the quote's page (task
  `quotes.email_approval_request`).

Each is composed and sent by a Celery task (apps/quotes/tasks.py), handed over after the write
commits (`apps.core.dispatch`), so the write answers at once whatever the mail server does.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import User
from apps.core.dispatch import dispatch
from apps.ops.services import audit_record

from ..models import Quote, ShareLink
from .pricing import effective_discount

EMAIL_TASK = "quotes.email_link"
APPROVAL_EMAIL_TASK = "quotes.email_approval_request"
logger = logging.getLogger(__name__)


def share_url(link_base: str, token: str) -> str:
    return f"{link_base.rstrip('/')}/q/{token}/"


def link_email_after_commit(quote: Quote, url: str) -> None:
    """Hand the e-mail to a worker once the current transaction commits."""
    transaction.on_commit(partial(_hand_over, EMAIL_TASK, quote.pk, url))


def approval_request_email_after_commit(quote: Quote, link_base: str) -> None:
    """Hand the sales managers' e-mail to a worker once the current transaction commits."""
    url = f"{link_base.rstrip('/')}/quotes/{quote.pk}/" if link_base else ""
    transaction.on_commit(partial(_hand_over, APPROVAL_EMAIL_TASK, quote.pk, url))


def _hand_over(task_name: str, quote_id: int, url: str) -> None:
    """To a worker; with the broker away, send it from here (the e-mail framework does not
    need the broker) rather than lose it; a failing mail server is logged, never a 500."""
    task = current_app.tasks[task_name]  # by name: the task module imports the services
    try:
        dispatch(task, quote_id, url)
        return
    except Exception as exc:  # noqa: BLE001 - kombu/redis/socket errors: broker unavailable
        logger.warning("quote %s e-mail: broker unavailable (%s), sending inline", quote_id, exc)
    send = link_email_send if task_name == EMAIL_TASK else approval_request_email_send
    try:
        send(quote_id, url)
    except Exception:
        logger.exception("quote %s: the e-mail (%s) could not be sent", quote_id, task_name)


def link_email_send(quote_id: int, url: str) -> str:
    """Compose and send the e-mail of quote `quote_id` with its link; returns the address."""
    quote = Quote.objects.select_related("organization", "owner").get(pk=quote_id)
    link = ShareLink.objects.filter(quote=quote, revoked_at__isnull=True).order_by("-pk").first()
    owner = quote.owner
    context = {
        "quote": quote,
        "share_url": url,
        "link_expires": link.expires_at if link else quote.valid_until,
        "sender_name": owner.get_full_name() or owner.get_username(),
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("quotes/email/link_subject.txt", context).strip(),
        body=render_to_string("quotes/email/link.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[quote.customer_email],
        reply_to=[owner.email] if owner.email else None,
    )
    message.attach_alternative(render_to_string("quotes/email/link.html", context), "text/html")
    message.send()
    audit_record(
        "quote.emailed", actor_label="system", obj=quote, details={"to": quote.customer_email}
    )
    return quote.customer_email


def approval_request_email_send(quote_id: int, url: str) -> list[str]:
    """E-mail every active sales manager of a seller (but the requester) that quote
    `quote_id` waits for their approval; returns the addresses (none once it was decided)."""
    quote = Quote.objects.select_related("organization", "approval_requested_by").get(pk=quote_id)
    requester = quote.approval_requested_by
    if quote.approval_requested_at is None:  # decided before the worker got here
        return []
    managers = User.objects.filter(
        is_active=True, role=Role.MANAGER, organization__kind=OrganizationKind.SELLER
    ).exclude(email="")
    if requester is not None:
        managers = managers.exclude(pk=requester.pk)
    recipients = sorted(set(managers.exclude(pk=quote.owner_id).values_list("email", flat=True)))
    if not recipients:
        logger.warning("quote %s: no sales manager with an e-mail address to ask", quote_id)
        return []
    context = {
        "quote": quote,
        "quote_url": url,
        "discount": effective_discount(quote),
        "requester": (requester.get_full_name() or requester.get_username()) if requester else "",
        "note": quote.approval_request_note,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("quotes/email/approval_subject.txt", context).strip(),
        body=render_to_string("quotes/email/approval.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[requester.email] if requester is not None and requester.email else None,
    )
    message.attach_alternative(render_to_string("quotes/email/approval.html", context), "text/html")
    message.send()
    audit_record(
        "quote.approval_request_emailed",
        actor_label="system",
        obj=quote,
        details={"to": recipients},
    )
    return recipients
