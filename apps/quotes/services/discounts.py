"""Discount policy: how much discount a user may send without approval, and a sales
manager's approval (or refusal) above it.

The *effective* discount is what the customer is given off list price, lines and overall
discount together: `100 × (list − total) / list`. Limits come from `DiscountLimit` rows
(the user's organization and role, else every organization for the role), else the
setting QUOTES_DISCOUNT_LIMITS. An approval covers a revision only at the total it was given
for: editing the draft afterwards needs a new approval. Portal and API call the same
functions, and `lifecycle.quote_send` refuses an uncovered over-limit draft.

The sender asks for the approval (`quote_discount_request`): the draft is then listed as
awaiting approval for the sales managers (`selectors.quotes_awaiting_approval`), who are
e-mailed, until one of them decides; the decision clears the request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.ops.services import audit_record

from ..choices import ApprovalDecision, QuoteStatus
from ..models import DiscountLimit, Quote, QuoteApproval
from ..selectors import is_seller_manager
from .emails import approval_request_email_after_commit
from .history import record_status_change
from .pricing import effective_discount


class ApprovalRequired(ApplicationError):
    """The draft's discount is above the sender's limit and no approval covers it."""


def discount_limit(user: Any) -> Decimal:
    """The largest effective discount (%) `user` may send without approval."""
    role = getattr(user, "role", "")
    rows = DiscountLimit.objects.filter(role=role)
    organization_id = getattr(user, "organization_id", None)
    row = rows.filter(organization_id=organization_id).first() if organization_id else None
    row = row or rows.filter(organization__isnull=True).first()
    if row is not None:
        return row.max_percent
    return Decimal(str(settings.QUOTES_DISCOUNT_LIMITS.get(role, "0")))


def approval_status(quote: Quote, user: Any) -> dict[str, Any]:
    """What the pages show: the effective discount, the sender's limit, whether approval is
    needed and whether one covers the revision. The sender is `user`, except for a sales
    manager looking at someone else's quote: then the owner's limit is the one that counts."""
    sender = quote.owner if is_seller_manager(user) and user.pk != quote.owner_id else user
    pct, limit = effective_discount(quote), discount_limit(sender)
    approval = quote.discount_approval
    last = quote.approvals.select_related("decided_by").first()
    return {
        "discount": pct,
        "limit": limit,
        "sender": sender,
        "needed": pct > limit,
        "approval": approval,
        "last": last,
        "covered": pct <= limit or approval is not None,
    }


def require_approval_if_over_limit(quote: Quote, user: Any) -> None:
    """Raise ApprovalRequired if `user` may not send `quote` as it stands."""
    status = approval_status(quote, user)
    if status["covered"]:
        return
    last = status["last"]
    refused = (
        f" It was refused by {last.decided_by.get_username()}"
        f"{': ' + last.note if last.note else ''}."
        if last is not None and last.decision == ApprovalDecision.REFUSED
        else ""
    )
    raise ApprovalRequired(
        "approval required",
        {
            "discount_percent": [
                f"The effective discount ({status['discount']} %) is above your limit "
                f"({status['limit']} %): a sales manager must approve it before it is "
                f"sent.{refused}"
            ]
        },
    )


def quote_discount_request(
    *, user: Any, quote: Quote, note: str = "", link_base: str = ""
) -> Quote:
    """The sender asks a sales manager to approve the draft's discount: the draft is listed as
    awaiting approval and the managers are e-mailed (with a link under `link_base`, if given).
    Asking again while a request waits changes nothing (a double click sends one e-mail)."""
    note = note.strip()[:2000]
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.status != QuoteStatus.DRAFT:
            raise ApplicationError(
                "not a draft", {"__all__": ["Only a draft's discount can wait for approval."]}
            )
        status = approval_status(quote, user)
        if not status["needed"]:
            raise ApplicationError(
                "no approval needed",
                {
                    "discount_percent": [
                        f"The effective discount ({status['discount']} %) is within the "
                        f"sender's limit ({status['limit']} %): no approval is needed."
                    ]
                },
            )
        if status["approval"] is not None:
            raise ApplicationError(
                "already approved",
                {"__all__": ["The discount is already approved at this total: send it."]},
            )
        if quote.approval_requested_at is not None:
            return quote
        _set_request(quote, timezone.now(), user, note)
        pct = status["discount"]
        record_status_change(
            quote,
            quote.status,
            quote.status,
            user=user,
            note=f"approval of discount {pct} % requested at total {quote.total} "
            f"{quote.currency}" + (f": {note}" if note else ""),
        )
        audit_record(
            "quote.discount_approval_requested",
            actor=user,
            obj=quote,
            details={"discount_percent": str(pct), "total": str(quote.total), "note": note[:500]},
        )
        approval_request_email_after_commit(quote, link_base)
    return quote


def _set_request(quote: Quote, at: Any, by: Any, note: str) -> None:
    quote.approval_requested_at, quote.approval_requested_by = at, by
    quote.approval_request_note = note
    fields = ["approval_requested_at", "approval_requested_by", "approval_request_note"]
    quote.save(update_fields=[*fields, "updated_at"])


def quote_discount_approve(*, user: Any, quote: Quote, note: str = "") -> QuoteApproval:
    """A sales manager approves the draft's discount at its current total."""
    return _decide(user, quote, ApprovalDecision.APPROVED, note)


def quote_discount_refuse(*, user: Any, quote: Quote, note: str = "") -> QuoteApproval:
    """A sales manager refuses the draft's discount (the draft stays a draft)."""
    return _decide(user, quote, ApprovalDecision.REFUSED, note)


def _decide(user: Any, quote: Quote, decision: str, note: str) -> QuoteApproval:
    if not is_seller_manager(user):
        raise ApplicationError(
            "not a manager", {"__all__": ["Only a seller's sales manager approves discounts."]}
        )
    if user.pk == quote.owner_id:
        raise ApplicationError(
            "own quote",
            {
                "__all__": [
                    "A discount is approved by another sales manager than the quote's owner."
                ]
            },
        )
    note = note.strip()[:2000]
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        if quote.status != QuoteStatus.DRAFT:
            raise ApplicationError(
                "not a draft", {"__all__": ["Only a draft's discount is approved or refused."]}
            )
        pct = effective_discount(quote)
        approval = QuoteApproval.objects.create(
            quote=quote,
            decision=decision,
            decided_by=user,
            discount_percent=pct,
            limit_percent=discount_limit(quote.owner),
            total=quote.total,
            currency=quote.currency,
            note=note,
        )
        if quote.approval_requested_at is not None:  # the request is answered
            _set_request(quote, None, None, "")
        verb = "approved" if decision == ApprovalDecision.APPROVED else "refused"
        record_status_change(
            quote,
            quote.status,
            quote.status,
            user=user,
            note=f"discount {pct} % {verb} at total {quote.total} {quote.currency}"
            + (f": {note}" if note else ""),
        )
        audit_record(
            f"quote.discount_{verb}",
            actor=user,
            obj=quote,
            details={"discount_percent": str(pct), "total": str(quote.total), "note": note[:500]},
        )
    return approval
