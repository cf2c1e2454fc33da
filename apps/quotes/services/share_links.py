"""Share links: a customer's way to a sent revision. Only the token's SHA-256 is stored."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.utils import timezone

from apps.core.exceptions import ApplicationError

from .. import selectors
from ..choices import QuoteStatus
from ..models import Quote, ShareLink

SHARE_LINK_GRACE_DAYS = 30


def share_link_create(
    *, user: Any, quote: Quote, expires_at: datetime | None = None
) -> tuple[ShareLink, str]:
    """A new link to this revision. Returns the link and its token; only the token's SHA-256
    is stored, so the token cannot be shown again."""
    if quote.status == QuoteStatus.DRAFT or quote.status == QuoteStatus.SUPERSEDED:
        raise ApplicationError("not shareable", {"__all__": ["Only a sent quote can be shared."]})
    token = secrets.token_urlsafe(32)
    if expires_at is None:
        last_day = quote.valid_until + timedelta(days=SHARE_LINK_GRACE_DAYS)
        expires_at = timezone.make_aware(datetime.combine(last_day, dtime.max))
    link = ShareLink.objects.create(
        quote=quote, token_hash=selectors.hash_token(token), created_by=user, expires_at=expires_at
    )
    return link, token


def share_link_revoke(*, user: Any, link: ShareLink) -> ShareLink:
    """Revoke a link now (idempotent)."""
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db()
    return link
