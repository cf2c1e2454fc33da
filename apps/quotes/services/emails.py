"""The customer's e-mail when a quote is sent: the share link, the total and the validity,
through Django's e-mail framework (EMAIL_BACKEND: SMTP from the environment in production, a
file outbox on the embedded default, locmem in tests).

Composed and sent by the Celery task `quotes.email_link` (apps/quotes/tasks.py), handed over
after the send commits (`apps.core.dispatch`), so sending answers at once whatever the mail
server does. The token is in the link only: it is not stored (only its hash) nor logged.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from apps.core.dispatch import dispatch
from apps.ops.services import audit_record

from ..models import Quote, ShareLink

EMAIL_TASK = "quotes.email_link"
logger = logging.getLogger(__name__)


def share_url(link_base: str, token: str) -> str:
    return f"{link_base.rstrip('/')}/q/{token}/"


def link_email_after_commit(quote: Quote, url: str) -> None:
    """Hand the e-mail to a worker once the current transaction commits."""
    transaction.on_commit(partial(_hand_over, quote.pk, url))


def _hand_over(quote_id: int, url: str) -> None:
    """To a worker; with the broker away, send it from here (the e-mail framework does not
    need the broker) rather than lose it; a failing mail server is logged, never a 500."""
    task = current_app.tasks[EMAIL_TASK]  # by name: the task module imports the services
    try:
        dispatch(task, quote_id, url)
        return
    except Exception as exc:  # noqa: BLE001 - kombu/redis/socket errors: broker unavailable
        logger.warning("quote %s e-mail: broker unavailable (%s), sending inline", quote_id, exc)
    try:
        link_email_send(quote_id, url)
    except Exception:
        logger.exception("quote %s: the customer's e-mail could not be sent", quote_id)


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
