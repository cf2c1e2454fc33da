"""The quote's lifecycle: create from a scenario, edit a draft, send, revise, the customer's
decision, expiry. Every state transition is guarded here, recorded (who, when) in the quote's
history, and made under a row lock.

(Longer than ~400 lines on purpose: every state transition of a quote in one place, under the
same locks and history rules.)

Rule of thumb for callers: pass plain values; a refused request raises `ApplicationError`
with field messages, which the views turn into form errors (never a 500).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from apps.catalog.models import PriceBook
from apps.core.exceptions import ApplicationError
from apps.ops.services import audit_record
from apps.sizing import gateway as sizing_gateway
from apps.sizing import services as sizing_services
from apps.sizing.models import Scenario

from ..choices import ALLOWED_TRANSITIONS, QuoteStatus
from ..models import Quote, QuoteDecision, QuoteLine, ShareLink
from . import discounts, emails, numbering, pdf_jobs, pricing, share_links
from .history import record_status_change

DEFAULT_VALIDITY_DAYS = 30
MAX_VALIDITY_DAYS = 365
REVISABLE = {QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.EXPIRED}
DEFAULT_TERMS = (
    "Prices exclude taxes and shipping. Delivery times on request. This quote is valid until "
    "the date shown; acceptance is subject to credit approval and the seller's standard terms "
    "of sale."
)


def check_validity(valid_until: date, today: date) -> None:
    if valid_until < today or valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise ApplicationError(
            "bad validity",
            {"valid_until": [f"Choose a date between today and {MAX_VALIDITY_DAYS} days ahead."]},
        )


# ---------------------------------------------------------------------------------------------
# Status changes


def _transition(
    quote: Quote, to_status: str, *, user: Any = None, actor: str = "", note: str = ""
) -> Quote:
    """Move a (locked) quote to `to_status` if allowed, and record it."""
    if to_status not in ALLOWED_TRANSITIONS[quote.status]:
        raise ApplicationError(
            f"A {quote.get_status_display().lower()} quote cannot become {to_status}.",
            {"__all__": [f"This quote is {quote.get_status_display().lower()}."]},
        )
    from_status = quote.status
    quote.status = to_status
    quote.save(
        update_fields=[
            "status",
            "updated_at",
            "sent_at",
            "decided_at",
            "accepted_by_name",
            "decision_reason",
        ]
    )
    record_status_change(quote, from_status, to_status, user=user, actor=actor, note=note)
    return quote


def _lock_family(quote: Quote) -> tuple[Quote, list[Quote]]:
    """Lock every revision of `quote`'s number (the quote family) for this transaction and
    return the fresh, locked `quote` and its sibling revisions.

    Every state change takes the family's first revision's row lock first (it never
    changes), so changes to one quote are serialised in one order (no deadlock), and a
    revision inserted by a concurrent `quote_revise` is seen once the lock is granted: the
    family is read again after it. On SQLite, `select_for_update` is a no-op and immediate
    transactions serialise writers instead."""
    list(
        Quote.objects.select_for_update()
        .filter(number=quote.number, previous__isnull=True)
        .values_list("pk", flat=True)
    )
    family = list(Quote.objects.select_for_update().filter(number=quote.number).order_by("pk"))
    me = next(q for q in family if q.pk == quote.pk)
    return me, [q for q in family if q.pk != quote.pk]


def _accepted_of(family: list[Quote]) -> Quote | None:
    return next((q for q in family if q.status == QuoteStatus.ACCEPTED), None)


def _refuse_if_accepted(quote: Quote, siblings: list[Quote], doing: str) -> None:
    """An accepted quote has one accepted price: nothing more is sent or revised under its
    number."""
    accepted = _accepted_of([quote, *siblings])
    if accepted is not None:
        when = f" on {accepted.decided_at:%d %b %Y}" if accepted.decided_at else ""
        raise ApplicationError(
            f"{quote.number} is accepted",
            {
                "__all__": [
                    f"{quote.number} rev. {accepted.revision} was accepted{when}; an accepted "
                    f"quote cannot be {doing}. Make a new quote from its scenario."
                ]
            },
        )


def _supersede_siblings(siblings: list[Quote], *, user: Any, actor: str, note: str) -> None:
    """Supersede the siblings still open (sent or draft) and revoke their links."""
    for sibling in siblings:
        if sibling.status in {QuoteStatus.SENT, QuoteStatus.DRAFT}:
            _transition(sibling, QuoteStatus.SUPERSEDED, user=user, actor=actor, note=note)
            sibling.share_links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


# ---------------------------------------------------------------------------------------------
# Quotes


def quote_create_from_scenario(
    *,
    user: Any,
    scenario: Scenario,
    customer_company: str,
    customer_contact: str,
    customer_email: str,
    price_book: PriceBook,
    valid_until: date | None = None,
    discount_percent: Any = "0",
    terms: str = DEFAULT_TERMS,
    notes: str = "",
    creation_request: str = "",
) -> Quote:
    """Price the scenario's BoM with `price_book` into a new draft quote, revision A, with the
    next number of the year. The scenario's inputs and result are copied onto the quote.
    `creation_request`: the creating request's fingerprint, kept with the quote (see
    `apps.api.writes`: a retried creation finds the quote it already made)."""
    today = timezone.localdate()
    valid_until = valid_until or today + timedelta(days=DEFAULT_VALIDITY_DAYS)
    check_validity(valid_until, today)
    pricing.check_price_book(price_book, today)
    pct = pricing.percent(discount_percent, "discount_percent")
    bom = pricing.bom_of(scenario.result or {})
    with transaction.atomic():
        quote = Quote(
            organization_id=scenario.organization_id,
            owner=user,
            scenario=scenario,
            number=numbering.quote_number_next(today.year),
            revision="A",
            customer_company=customer_company.strip(),
            customer_contact=customer_contact.strip(),
            customer_email=customer_email.strip(),
            price_book=price_book,
            currency=price_book.currency,
            is_sample=price_book.sample,
            valid_until=valid_until,
            discount_percent=pct,
            terms=terms,
            notes=notes,
            sizing_inputs=scenario.inputs,
            sizing_result=scenario.result,
            engine_version=scenario.engine_version,
            creation_request=creation_request,
        )
        quote.save()
        pricing.build_lines(quote, bom, {})
        pricing.recompute_totals(quote)
        quote.save(update_fields=["subtotal", "discount_amount", "total"])
        record_status_change(
            quote, "", QuoteStatus.DRAFT, user=user, note=f"from scenario {scenario.pk}"
        )
    return quote


def quote_create_from_workload(
    *,
    user: Any,
    workload: Mapping[str, Any],
    scenario_name: str,
    customer_company: str,
    customer_contact: str,
    customer_email: str,
    price_book: PriceBook,
    **quote_fields: Any,
) -> Quote:
    """Size `workload`, save it as a scenario named `scenario_name` and create its draft quote
    (as `quote_create_from_scenario`), in one transaction: a refused quote leaves no scenario
    behind. The sizing runs before the transaction opens, so no lock is held while the engine
    works. Raises `SizingRefused` (the gateway's, field errors keyed by the workload's own
    paths) when the workload does not size, `ApplicationError` when the quote is refused."""
    result = sizing_gateway.size_or_raise(workload)
    with transaction.atomic():
        scenario = sizing_services.scenario_create(
            user=user, name=scenario_name or "Quoted workload", inputs=workload, result=result
        )
        return quote_create_from_scenario(
            user=user,
            scenario=scenario,
            customer_company=customer_company,
            customer_contact=customer_contact,
            customer_email=customer_email,
            price_book=price_book,
            **quote_fields,
        )


EDITABLE_FIELDS = {
    "customer_company",
    "customer_contact",
    "customer_email",
    "valid_until",
    "discount_percent",
    "terms",
    "notes",
    "price_book",
}


def quote_update(
    *,
    user: Any,
    quote: Quote,
    data: dict[str, Any],
    line_discounts: dict[int, Any] | None = None,
) -> Quote:
    """Edit a draft: customer, validity, discounts, terms, notes; a new price book re-prices
    every line (keeping line discounts). Sent revisions are immutable: revise them."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(f"not editable: {', '.join(sorted(unknown))}")
    today = timezone.localdate()
    with transaction.atomic():
        quote, siblings = _lock_family(quote)
        if not quote.is_editable:
            accepted = _accepted_of(siblings)
            message = (
                f"This revision was locked when rev. {accepted.revision} was accepted."
                if accepted is not None
                else "Only a draft can be edited; revise it instead."
            )
            raise ApplicationError("not a draft", {"__all__": [message]})
        old_book_id = quote.price_book_id
        for name, value in data.items():
            if name == "discount_percent":
                value = pricing.percent(value, name)
            setattr(quote, name, value.strip() if isinstance(value, str) else value)
        check_validity(quote.valid_until, today)
        new_book = quote.price_book_id != old_book_id
        if new_book:
            pricing.check_price_book(quote.price_book, today)
            quote.currency, quote.is_sample = quote.price_book.currency, quote.price_book.sample
        pricing.reprice_lines(
            quote, {int(k): v for k, v in (line_discounts or {}).items()}, new_book=new_book
        )
        pricing.recompute_totals(quote)
        quote.save()
    return quote


def quote_send(*, user: Any, quote: Quote, link_base: str = "") -> tuple[Quote, str]:
    """Send a draft: it becomes immutable, the earlier sent revisions are superseded and
    their links revoked, a share link is made (its token is returned, shown once) and the
    PDF document is requested. Refused once any revision of the quote is accepted. With
    `link_base` (the portal's address, e.g. `https://portal.example/`) the customer is
    e-mailed the link by a worker after the commit."""
    today = timezone.localdate()
    with transaction.atomic():
        quote, siblings = _lock_family(quote)
        # The lines, read once under the family lock: the discount check and the caller's
        # answer (lines and effective discount) use them (three reads of every line before).
        prefetch_related_objects([quote], "lines")
        _refuse_if_accepted(quote, siblings, "sent again")
        if quote.status == QuoteStatus.DRAFT and quote.valid_until < today:
            raise ApplicationError(
                "validity passed", {"valid_until": ["The validity date has passed; edit it."]}
            )
        if quote.status == QuoteStatus.DRAFT:
            discounts.require_approval_if_over_limit(quote, user)
        quote.sent_at = timezone.now()
        _transition(quote, QuoteStatus.SENT, user=user)
        _supersede_siblings(
            [s for s in siblings if s.status == QuoteStatus.SENT],
            user=user,
            actor="",
            note=f"by {quote.reference}",
        )
        _link, token = share_links.share_link_create(user=user, quote=quote)
        pdf_jobs.pdf_job_request(user=user, quote=quote)
        if link_base:
            emails.link_email_after_commit(quote, emails.share_url(link_base, token))
        audit_record("quote.sent", actor=user, obj=quote, details={"total": str(quote.total)})
    return quote, token


def quote_revise(*, user: Any, quote: Quote) -> Quote:
    """Make the next revision (a draft copy with the next letter) of a sent, rejected or
    expired quote; the earlier revision stays readable and unchanged."""
    with transaction.atomic():
        quote, siblings = _lock_family(quote)
        _refuse_if_accepted(quote, siblings, "revised")
        if any(s.previous_id == quote.pk for s in siblings):
            raise ApplicationError("not latest", {"__all__": ["Revise the latest revision."]})
        if quote.status not in REVISABLE:
            raise ApplicationError(
                "not revisable",
                {"__all__": [f"A {quote.get_status_display().lower()} quote cannot be revised."]},
            )
        lines = list(quote.lines.all())
        new = Quote.objects.get(pk=quote.pk)
        new.pk = None
        new.id = None
        new.previous = quote
        new.revision = numbering.next_revision_letter(quote.revision)
        new.status = QuoteStatus.DRAFT
        new.owner = user
        new.sent_at = new.decided_at = None
        new.accepted_by_name = new.decision_reason = ""
        new.approval_requested_at = new.approval_requested_by = None  # a new draft: ask anew
        new.approval_request_note = ""
        today = timezone.localdate()
        new.valid_until = max(quote.valid_until, today + timedelta(days=DEFAULT_VALIDITY_DAYS))
        new._state.adding = True  # so created_at is set anew
        new.save(force_insert=True)
        for line in lines:
            line.pk = None
            line.quote = new
        QuoteLine.objects.bulk_create(lines)
        record_status_change(
            new, "", QuoteStatus.DRAFT, user=user, note=f"revision of {quote.reference}"
        )
        audit_record("quote.revised", actor=user, obj=new, details={"from": quote.reference})
    return new


def quote_accept(*, link: ShareLink, name: str) -> Quote:
    """The customer accepts through their link, typing their name."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ApplicationError("name", {"name": ["Type your full name to accept."]})
    return _customer_decision(link, QuoteStatus.ACCEPTED, name=name, reason="")


def quote_reject(*, link: ShareLink, name: str = "", reason: str = "") -> Quote:
    """The customer rejects through their link (a reason is optional)."""
    name = " ".join(name.split())[:200]
    return _customer_decision(link, QuoteStatus.REJECTED, name=name, reason=reason.strip()[:2000])


def _customer_decision(link: ShareLink, to_status: str, *, name: str, reason: str) -> Quote:
    today = timezone.localdate()
    expired = False
    with transaction.atomic():
        quote, siblings = _lock_family(link.quote)
        if quote.status == QuoteStatus.SENT and quote.valid_until < today:
            _transition(quote, QuoteStatus.EXPIRED, actor="system", note="validity date passed")
            expired = True
        elif quote.status != QuoteStatus.SENT:
            raise ApplicationError(
                "decided", {"__all__": [f"This quote is {quote.get_status_display().lower()}."]}
            )
        else:
            if to_status == QuoteStatus.ACCEPTED:
                _refuse_if_accepted(quote, siblings, "accepted twice")
            now = timezone.now()
            quote.decided_at = now
            quote.accepted_by_name = name if to_status == QuoteStatus.ACCEPTED else ""
            quote.decision_reason = reason
            actor = f"customer {name or '(no name given)'} via share link"
            _transition(quote, to_status, actor=actor, note=reason)
            QuoteDecision.objects.create(
                quote=quote,
                share_link_id=link.pk,
                decision=to_status,
                name=name,
                reason=reason,
                number=quote.number,
                revision=quote.revision,
                total=quote.total,
                currency=quote.currency,
                decided_at=now,
            )
            if to_status == QuoteStatus.ACCEPTED:
                _supersede_siblings(
                    siblings,
                    user=None,
                    actor="system",
                    note=f"locked: {quote.reference} was accepted",
                )
            ShareLink.objects.filter(pk=link.pk).update(last_used_at=now)
            audit_record(
                f"quote.{to_status}",
                actor_label=actor[:200],
                obj=quote,
                details={
                    "name": name,
                    "reason": reason[:500],
                    "share_link": link.pk,
                    "revision": quote.revision,
                    "total": str(quote.total),
                    "currency": quote.currency,
                },
            )
    if expired:
        raise ApplicationError(
            "expired", {"__all__": [f"This quote expired on {quote.valid_until:%d %b %Y}."]}
        )
    return quote


def quotes_expire_due(today: date | None = None) -> int:
    """Mark sent quotes whose validity date has passed as expired; returns how many."""
    today = today or timezone.localdate()
    count = 0
    for pk in Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            quote, _siblings = _lock_family(Quote.objects.get(pk=pk))
            if quote.status == QuoteStatus.SENT and quote.valid_until < today:
                _transition(quote, QuoteStatus.EXPIRED, actor="system", note="validity date passed")
                count += 1
    return count
