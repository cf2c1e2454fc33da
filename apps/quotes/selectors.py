"""Reads of the quotes app. Every query that reaches a quote goes through `quotes_visible_to`,
the one place that applies tenant scoping (partners see only their organization's quotes; a
quote of another tenant answers 404)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.selectors import AnyUser, scope_to_user
from apps.catalog.models import PriceBook

from .choices import SECTION_ORDER, PdfJobStatus, QuoteStatus, Section
from .models import OrganizationPriceBook, PdfJob, Quote, QuoteLine, ShareLink

SHARE_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits


def quotes_visible_to(user: AnyUser) -> QuerySet[Quote]:
    """Every quote revision `user` may see. A seller's sales manager sees every
    organization's quotes: partners' discounts above their limit wait for that approval."""
    if is_seller_manager(user):
        return Quote.objects.all()
    return scope_to_user(Quote.objects.all(), user)


def is_seller_manager(user: AnyUser) -> bool:
    """A seller's sales manager: approves discounts above a sender's limit."""
    org = getattr(user, "organization", None) if user.is_authenticated else None
    return (
        user.is_active
        and getattr(user, "role", "") == Role.MANAGER
        and org is not None
        and org.kind == OrganizationKind.SELLER
    )


def quote_list(
    user: AnyUser,
    *,
    mine: bool = False,
    status: str = "",
    customer: str = "",
    awaiting_approval: bool = False,
) -> QuerySet[Quote]:
    """The latest revision of each quote visible to `user`, newest first, filtered.
    `awaiting_approval`: the drafts whose sender asked for a discount approval that `user`, a
    seller's sales manager, may give (not their own quotes); nothing for anyone else."""
    qs = quotes_visible_to(user).filter(next_revision__isnull=True)
    if awaiting_approval:
        qs = awaiting_approval_of(user, qs)
    if mine:
        qs = qs.filter(owner_id=user.pk)  # an anonymous user's pk is None: no quote
    if status:
        qs = qs.filter(status=status)
    if customer:
        qs = qs.filter(
            Q(customer_company__icontains=customer) | Q(customer_contact__icontains=customer)
        )
    return qs.select_related("owner", "price_book").order_by("-updated_at", "-id")


LIST_DEFERRED = ("sizing_inputs", "sizing_result", "terms", "notes", "decision_reason")


def quote_rows(
    user: AnyUser,
    *,
    mine: bool = False,
    status: str = "",
    customer: str = "",
    awaiting_approval: bool = False,
) -> QuerySet[Quote]:
    """`quote_list` for a list: no JSON sizing copies, terms or notes (it shows none), and of
    the owner and the price book only the column a list shows."""
    qs = quote_list(
        user, mine=mine, status=status, customer=customer, awaiting_approval=awaiting_approval
    )
    return qs.defer(*LIST_DEFERRED, *_related_deferred())


# A list shows one column of each related row it joins (the portal and the API: the owner's
# username, the price book's code). Their other columns (a password hash, two datetimes, three
# dates, ...) were a fifth of the CPU of /api/v1/quotes/?limit=200 (bench/bench_lists.py):
# fetched, decoded and set on 400 model instances a page, never read.
LIST_RELATED_SHOWN = {"owner": "username", "price_book": "code"}


@cache
def _related_deferred() -> tuple[str, ...]:
    deferred = []
    for relation, shown in LIST_RELATED_SHOWN.items():
        model = Quote._meta.get_field(relation).related_model._meta  # type: ignore[union-attr]
        deferred += [
            f"{relation}__{f.name}"
            for f in model.concrete_fields
            if not f.primary_key and f.name != shown
        ]
    return tuple(deferred)


def awaiting_approval_of(user: AnyUser, qs: QuerySet[Quote]) -> QuerySet[Quote]:
    """The quotes of `qs` waiting for a discount approval `user` may give."""
    if not is_seller_manager(user):
        return qs.none()
    return qs.filter(status=QuoteStatus.DRAFT, approval_requested_at__isnull=False).exclude(
        owner_id=user.pk
    )


def awaiting_approval_count(user: AnyUser) -> int:
    """How many quotes wait for `user`'s discount approval (0 unless a sales manager)."""
    if not is_seller_manager(user):
        return 0
    return awaiting_approval_of(user, Quote.objects.filter(next_revision__isnull=True)).count()


def quote_get_for_user(user: AnyUser, pk: int) -> Quote:
    """One quote revision, or 404 if it does not exist or belongs to another tenant."""
    return get_object_or_404(
        quotes_visible_to(user).select_related("owner", "scenario", "price_book", "organization"),
        pk=pk,
    )


def quote_created_by_request(user: AnyUser, fingerprint: str, *, since: Any) -> Quote | None:
    """The quote `user` created with the request `fingerprint` after `since`, if any (a
    retried creation whose first answer was lost)."""
    if not fingerprint:
        return None
    return (
        Quote.objects.filter(owner_id=user.pk, creation_request=fingerprint, created_at__gte=since)
        .order_by("pk")
        .first()
    )


def quote_revisions(quote: Quote) -> QuerySet[Quote]:
    """All revisions of the quote (A, B, …), oldest first."""
    return Quote.objects.filter(
        number=quote.number, organization_id=quote.organization_id
    ).order_by("created_at", "id")


def quote_latest_revision(quote: Quote) -> Quote:
    return quote_revisions(quote).filter(next_revision__isnull=True).get()


def price_books_available(on: date | None = None) -> QuerySet[PriceBook]:
    """Price books valid on `on` (today by default)."""
    on = on or timezone.localdate()
    return (
        PriceBook.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("code")
    )


def price_books_available_to(user: AnyUser, on: date | None = None) -> QuerySet[PriceBook]:
    """`price_books_available`, each annotated `is_default` for `user`'s organization."""
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None:
        return price_books_available(on).annotate(is_default=Value(False))
    defaults = OrganizationPriceBook.objects.filter(
        organization_id=organization_id, price_book_id=OuterRef("pk")
    )
    return price_books_available(on).annotate(is_default=Exists(defaults))


def default_price_book(user: AnyUser, on: date | None = None) -> PriceBook | None:
    """The price book a new quote of `user` uses when none is named: the organization's
    default (quotes.OrganizationPriceBook) if valid on `on`, else the only valid price book.
    None when several are valid and none is the organization's: the caller must choose
    (a new price book never silently switches quotes to another currency)."""
    books = price_books_available(on)
    org_id = getattr(user, "organization_id", None)
    if org_id is not None:
        defaults = OrganizationPriceBook.objects.filter(organization_id=org_id)
        chosen = books.filter(pk__in=defaults.values("price_book_id")).first()
        if chosen is not None:
            return chosen
    only = list(books[:2])
    return only[0] if len(only) == 1 else None


@dataclass
class SectionGroup:
    """BoM lines of one section with their subtotal."""

    key: str
    label: str
    lines: list[QuoteLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0")
    unpriced: int = 0  # lines to be confirmed: listed, not in the subtotal


def quote_sections(quote: Quote) -> list[SectionGroup]:
    """The quote's lines grouped by section, in document order, with subtotals (sums of
    already-rounded line totals, so exact)."""
    labels = dict(Section.choices)
    groups = {key: SectionGroup(key, labels[key]) for key in SECTION_ORDER}
    for line in quote.lines.all():
        group = groups[line.section]
        group.lines.append(line)
        if line.line_total is None:
            group.unpriced += 1
        else:
            group.subtotal += line.line_total
    return [g for g in groups.values() if g.lines]


def pdf_job_for(quote: Quote) -> PdfJob | None:
    return PdfJob.objects.filter(quote=quote).first()


def pdf_jobs_stale(
    *, queued_before: Any, rendering_before: Any, lease_expired_before: Any = None
) -> QuerySet[PdfJob]:
    """Jobs left pending too long: queued and untouched, or rendering by a runner that was
    lost (its lease expired before `lease_expired_before`; a row without a lease: rendering
    for longer than a render may take); and queued jobs never handed to the broker
    (`enqueued_at` empty: it was down), at once."""
    lost = Q(
        status=PdfJobStatus.RENDERING,
        lease_expires_at__isnull=True,
        started_at__lt=rendering_before,
    )
    if lease_expired_before is not None:
        lost |= Q(status=PdfJobStatus.RENDERING, lease_expires_at__lt=lease_expired_before)
    return PdfJob.objects.filter(
        Q(status=PdfJobStatus.QUEUED, updated_at__lt=queued_before)
        | Q(status=PdfJobStatus.QUEUED, enqueued_at__isnull=True)
        | lost
    ).order_by("id")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def share_link_resolve(token: str) -> ShareLink | None:
    """The live link for `token`: known, not revoked, not expired, and its revision still on
    offer or decided (a superseded revision's links are revoked when the next is sent)."""
    if len(token) != SHARE_TOKEN_LENGTH:
        return None
    link = (
        ShareLink.objects.select_related("quote", "quote__price_book")
        .filter(
            token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if link is None or link.quote.status in {QuoteStatus.DRAFT, QuoteStatus.SUPERSEDED}:
        return None
    return link


def share_links_for(quote: Quote) -> QuerySet[ShareLink]:
    return quote.share_links.select_related("created_by").order_by("-created_at", "-id")
