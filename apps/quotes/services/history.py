"""A quote's status history: one QuoteStatusChange row per change (or, with the same status on
both sides, per note such as a discount request or decision). Used by lifecycle.py and
discounts.py."""

from __future__ import annotations

from typing import Any

from ..models import Quote, QuoteStatusChange


def record_status_change(
    quote: Quote,
    from_status: str,
    to_status: str,
    *,
    user: Any = None,
    actor: str = "",
    note: str = "",
) -> None:
    """Record `from_status` -> `to_status` of `quote`: by `user` when signed in, under `actor`
    (default: the user's name, else "system")."""
    QuoteStatusChange.objects.create(
        quote=quote,
        from_status=from_status,
        to_status=to_status,
        changed_by=user if getattr(user, "is_authenticated", False) else None,
        actor=actor or (user.get_username() if user else "system"),
        note=note,
    )
