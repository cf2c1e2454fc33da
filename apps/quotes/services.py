"""Writes of the quotes app. Services guard every state transition, record who made it, and
enqueue the PDF render only after the transaction commits (`transaction.on_commit`).

Rule of thumb for callers: pass plain values; a refused request raises `ApplicationError`
with field messages, which the views turn into form errors (never a 500).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.catalog.models import Price, PriceBook
from apps.core.exceptions import ApplicationError
from apps.ops.services import audit_record
from apps.sizing.models import Scenario

from . import money, selectors
from .choices import ALLOWED_TRANSITIONS, SECTION_ORDER, PdfJobStatus, QuoteStatus
from .models import PdfJob, Quote, QuoteLine, QuoteNumberCounter, QuoteStatusChange, ShareLink

logger = logging.getLogger(__name__)

DEFAULT_VALIDITY_DAYS = 30
MAX_VALIDITY_DAYS = 365
# Render cost grows with rows (~5 ms a line, reliability.md); a sized cluster has far fewer.
MAX_LINES = 400
SHARE_LINK_GRACE_DAYS = 30
REVISABLE = {QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.EXPIRED}
DEFAULT_TERMS = (
    "Prices exclude taxes and shipping. Delivery times on request. This quote is valid until "
    "the date shown; acceptance is subject to credit approval and the seller's standard terms "
    "of sale."
)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def pdf_max_attempts() -> int:
    return int(_setting("QUOTES_PDF_MAX_ATTEMPTS", 3))


# ---------------------------------------------------------------------------------------------
# Numbers


def quote_number_next(year: int | None = None) -> str:
    """Take the next number of the year, `Q-2026-00042`. Must run inside the creating
    transaction: the counter row stays locked until it commits, and a rollback gives the
    number back, so numbers are gap-free (the unique constraint is the safety net)."""
    year = year or timezone.localdate().year
    QuoteNumberCounter.objects.bulk_create([QuoteNumberCounter(year=year)], ignore_conflicts=True)
    counter = QuoteNumberCounter.objects.select_for_update().get(year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"Q-{year}-{counter.last_value:05d}"


def next_revision_letter(letter: str) -> str:
    """A → B, …, Z → AA, AZ → BA."""
    chars = list(letter)
    i = len(chars) - 1
    while i >= 0:
        if chars[i] != "Z":
            chars[i] = chr(ord(chars[i]) + 1)
            return "".join(chars)
        chars[i] = "A"
        i -= 1
    return "A" + "".join(chars)


# ---------------------------------------------------------------------------------------------
# Pricing


def _check_price_book(book: PriceBook, today: date) -> None:
    if book.valid_from > today or (book.valid_to is not None and book.valid_to < today):
        raise ApplicationError(
            "price book not valid", {"price_book": [f"{book.code} is not valid today."]}
        )


def _bom_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    bom = result.get("bom") or []
    if not bom:
        raise ApplicationError(
            "empty BoM", {"__all__": ["The scenario has no bill of materials to quote."]}
        )
    if len(bom) > MAX_LINES:
        raise ApplicationError(
            "too many lines", {"__all__": [f"A quote holds at most {MAX_LINES} lines."]}
        )
    for item in bom:
        if item.get("section") not in SECTION_ORDER:
            raise ApplicationError(
                "bad section",
                {"__all__": [f"BoM line {item.get('part_number')} has an unknown section."]},
            )
    return list(bom)


def _unit_prices(book: PriceBook, part_numbers: list[str]) -> dict[str, Decimal]:
    prices = Price.objects.filter(book=book, part__part_number__in=part_numbers).values_list(
        "part__part_number", "unit_price"
    )
    found = {pn: money.to_decimal(p) for pn, p in prices}
    missing = sorted(set(part_numbers) - set(found))
    if missing:
        raise ApplicationError(
            "missing prices",
            {"price_book": [f"{book.code} has no price for: {', '.join(missing)}."]},
        )
    return found


def _build_lines(quote: Quote, bom: list[dict[str, Any]], discounts: dict[str, Decimal]) -> None:
    """Replace the quote's lines by priced BoM lines (ordered by section, then BoM order)."""
    prices = _unit_prices(quote.price_book, [str(i["part_number"]) for i in bom])
    ordered = sorted(enumerate(bom), key=lambda p: (SECTION_ORDER.index(p[1]["section"]), p[0]))
    quote.lines.all().delete()
    lines = []
    for position, (_, item) in enumerate(ordered, start=1):
        pn = str(item["part_number"])
        disc = discounts.get(pn, Decimal("0"))
        lines.append(
            QuoteLine(
                quote=quote,
                position=position,
                section=item["section"],
                part_number=pn,
                description=str(item.get("description", ""))[:300],
                quantity=int(item["quantity"]),
                unit_price=prices[pn],
                discount_percent=disc,
                reason=str(item.get("reason", "")),
                line_total=money.line_total(
                    int(item["quantity"]), prices[pn], disc, quote.currency
                ),
            )
        )
    QuoteLine.objects.bulk_create(lines)


def _reprice_lines(quote: Quote, discounts: dict[int, Any], *, new_book: bool) -> None:
    """Apply line discounts (by line id) and, with a new price book, its unit prices."""
    lines = list(quote.lines.all())
    unknown = set(discounts) - {line.pk for line in lines}
    if unknown:
        raise ApplicationError("unknown line", {"__all__": [f"No line {min(unknown)}."]})
    prices = _unit_prices(quote.price_book, [ln.part_number for ln in lines]) if new_book else {}
    for line in lines:
        if line.pk in discounts:
            line.discount_percent = _percent(discounts[line.pk], f"line_{line.pk}")
        line.unit_price = prices.get(line.part_number, line.unit_price)
        line.line_total = money.line_total(
            line.quantity, line.unit_price, line.discount_percent, quote.currency
        )
    QuoteLine.objects.bulk_update(lines, ["discount_percent", "unit_price", "line_total"])


def _recompute_totals(quote: Quote) -> None:
    """Subtotal = sum of rounded line totals (exact); the overall discount is rounded once."""
    subtotal = sum((line.line_total for line in quote.lines.all()), Decimal("0"))
    quote.subtotal = subtotal
    quote.discount_amount = money.discount_amount(subtotal, quote.discount_percent, quote.currency)
    quote.total = subtotal - quote.discount_amount


def _percent(value: Any, field: str) -> Decimal:
    try:
        pct = money.to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise ApplicationError("bad percent", {field: ["Enter a number."]}) from exc
    if not pct.is_finite() or pct < 0 or pct > 100 or pct != pct.quantize(Decimal("0.01")):
        raise ApplicationError(
            "bad percent", {field: ["Enter a percentage between 0 and 100 (2 decimals)."]}
        )
    return pct


def _check_validity(valid_until: date, today: date) -> None:
    if valid_until < today or valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise ApplicationError(
            "bad validity",
            {"valid_until": [f"Choose a date between today and {MAX_VALIDITY_DAYS} days ahead."]},
        )


# ---------------------------------------------------------------------------------------------
# Status changes


def _record(
    quote: Quote,
    from_status: str,
    to_status: str,
    *,
    user: Any = None,
    actor: str = "",
    note: str = "",
) -> None:
    QuoteStatusChange.objects.create(
        quote=quote,
        from_status=from_status,
        to_status=to_status,
        changed_by=user if getattr(user, "is_authenticated", False) else None,
        actor=actor or (user.get_username() if user else "system"),
        note=note,
    )


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
    _record(quote, from_status, to_status, user=user, actor=actor, note=note)
    return quote


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("price_book").get(pk=quote.pk)


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
) -> Quote:
    """Price the scenario's BoM with `price_book` into a new draft quote, revision A, with the
    next number of the year. The scenario's inputs and result are copied onto the quote."""
    today = timezone.localdate()
    valid_until = valid_until or today + timedelta(days=DEFAULT_VALIDITY_DAYS)
    _check_validity(valid_until, today)
    _check_price_book(price_book, today)
    pct = _percent(discount_percent, "discount_percent")
    bom = _bom_of(scenario.result or {})
    with transaction.atomic():
        quote = Quote(
            organization_id=scenario.organization_id,
            owner=user,
            scenario=scenario,
            number=quote_number_next(today.year),
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
        )
        quote.save()
        _build_lines(quote, bom, {})
        _recompute_totals(quote)
        quote.save(update_fields=["subtotal", "discount_amount", "total"])
        _record(quote, "", QuoteStatus.DRAFT, user=user, note=f"from scenario {scenario.pk}")
    return quote


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
        quote = _locked(quote)
        if not quote.is_editable:
            raise ApplicationError(
                "not a draft", {"__all__": ["Only a draft can be edited; revise it instead."]}
            )
        old_book_id = quote.price_book_id
        for name, value in data.items():
            if name == "discount_percent":
                value = _percent(value, name)
            setattr(quote, name, value.strip() if isinstance(value, str) else value)
        _check_validity(quote.valid_until, today)
        new_book = quote.price_book_id != old_book_id
        if new_book:
            _check_price_book(quote.price_book, today)
            quote.currency, quote.is_sample = quote.price_book.currency, quote.price_book.sample
        _reprice_lines(
            quote, {int(k): v for k, v in (line_discounts or {}).items()}, new_book=new_book
        )
        _recompute_totals(quote)
        quote.save()
    return quote


def quote_send(*, user: Any, quote: Quote) -> tuple[Quote, str]:
    """Send a draft: it becomes immutable, the previous sent revision (if any) is superseded
    and its links revoked, a share link is made (its token is returned, shown once) and the
    PDF document is requested."""
    today = timezone.localdate()
    with transaction.atomic():
        quote = _locked(quote)
        if quote.status == QuoteStatus.DRAFT and quote.valid_until < today:
            raise ApplicationError(
                "validity passed", {"valid_until": ["The validity date has passed; edit it."]}
            )
        quote.sent_at = timezone.now()
        _transition(quote, QuoteStatus.SENT, user=user)
        if quote.previous_id is not None:
            _supersede(quote.previous_id, user=user, by=quote)
        _link, token = share_link_create(user=user, quote=quote)
        pdf_job_request(user=user, quote=quote)
        audit_record("quote.sent", actor=user, obj=quote, details={"total": str(quote.total)})
    return quote, token


def _supersede(previous_id: int, *, user: Any, by: Quote) -> None:
    previous = Quote.objects.select_for_update().get(pk=previous_id)
    if previous.status == QuoteStatus.SENT:
        _transition(previous, QuoteStatus.SUPERSEDED, user=user, note=f"by {by.reference}")
        previous.share_links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def quote_revise(*, user: Any, quote: Quote) -> Quote:
    """Make the next revision (a draft copy with the next letter) of a sent, rejected or
    expired quote; the earlier revision stays readable and unchanged."""
    with transaction.atomic():
        quote = _locked(quote)
        if Quote.objects.filter(previous=quote).exists():
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
        new.revision = next_revision_letter(quote.revision)
        new.status = QuoteStatus.DRAFT
        new.owner = user
        new.sent_at = new.decided_at = None
        new.accepted_by_name = new.decision_reason = ""
        today = timezone.localdate()
        new.valid_until = max(quote.valid_until, today + timedelta(days=DEFAULT_VALIDITY_DAYS))
        new._state.adding = True  # so created_at is set anew
        new.save(force_insert=True)
        for line in lines:
            line.pk = None
            line.quote = new
        QuoteLine.objects.bulk_create(lines)
        _record(new, "", QuoteStatus.DRAFT, user=user, note=f"revision of {quote.reference}")
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
        quote = _locked(link.quote)
        if quote.status == QuoteStatus.SENT and quote.valid_until < today:
            _transition(quote, QuoteStatus.EXPIRED, actor="system", note="validity date passed")
            expired = True
        elif quote.status != QuoteStatus.SENT:
            raise ApplicationError(
                "decided", {"__all__": [f"This quote is {quote.get_status_display().lower()}."]}
            )
        else:
            quote.decided_at = timezone.now()
            quote.accepted_by_name = name if to_status == QuoteStatus.ACCEPTED else ""
            quote.decision_reason = reason
            actor = f"customer {name or '(no name given)'} via share link"
            _transition(quote, to_status, actor=actor, note=reason)
            ShareLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
            audit_record(
                f"quote.{to_status}",
                actor_label=actor[:200],
                obj=quote,
                details={"name": name, "reason": reason[:500], "share_link": link.pk},
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
            quote = Quote.objects.select_for_update().get(pk=pk)
            if quote.status == QuoteStatus.SENT and quote.valid_until < today:
                _transition(quote, QuoteStatus.EXPIRED, actor="system", note="validity date passed")
                count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Share links


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


# ---------------------------------------------------------------------------------------------
# The PDF document


def _enqueue(job_id: int) -> None:
    """Send the render task. With the broker away the request still succeeds: the job stays
    queued in the database with no `enqueued_at` (never handed to the broker), and the
    sweeper sends it on its next run once the broker is back."""
    from .tasks import render_quote_pdf

    try:
        render_quote_pdf.delay(job_id)
    except Exception as exc:  # noqa: BLE001 - kombu/redis/socket errors: broker unavailable
        logger.warning(
            "PDF job %s not sent (broker unavailable: %s); the sweeper will send it",
            job_id,
            type(exc).__name__,
        )
        PdfJob.objects.filter(pk=job_id, status=PdfJobStatus.QUEUED).update(enqueued_at=None)


def pdf_job_request(*, user: Any, quote: Quote) -> PdfJob:
    """Ask for the revision's document. One job (and one file) per revision: asking again
    returns the existing job; a failed job is reset and queued again. The task is sent only
    after the transaction commits, so the worker always finds the row."""
    if quote.status == QuoteStatus.DRAFT:
        raise ApplicationError("draft", {"__all__": ["Send the quote to produce its document."]})
    with transaction.atomic():
        job, created = PdfJob.objects.get_or_create(
            quote=quote, defaults={"requested_by": user if user else None}
        )
        if not created:
            job = PdfJob.objects.select_for_update().get(pk=job.pk)
            if job.status != PdfJobStatus.FAILED:
                return job
            job.attempts, job.error, job.status = 0, "", PdfJobStatus.QUEUED
        job.enqueued_at = timezone.now()
        job.save()
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


@dataclass
class RunOutcome:
    """What the task should do after a run: nothing (done/failed) or retry in N seconds."""

    status: str
    retry_in: int | None = None


def document_relpath(quote: Quote) -> str:
    """The one file name of a revision's document: renders of the same job overwrite it."""
    return f"quotes/{quote.number[2:6]}/{quote.number}-{quote.revision}.pdf"


def _claim(job_id: int) -> tuple[PdfJob | None, str]:
    """Lock the job and start an attempt, unless it is finished or out of attempts."""
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().select_related("quote").filter(pk=job_id).first()
        if job is None or job.status in {PdfJobStatus.READY, PdfJobStatus.FAILED}:
            return None, job.status if job else "missing"
        if job.attempts >= pdf_max_attempts():
            _fail(
                job,
                f"gave up after {job.attempts} attempts; last error: {job.error or 'worker lost'}",
            )
            return None, PdfJobStatus.FAILED
        job.status, job.started_at = PdfJobStatus.RENDERING, timezone.now()
        job.attempts = F("attempts") + 1
        job.save(update_fields=["status", "started_at", "attempts", "updated_at"])
        job.refresh_from_db()
        return job, PdfJobStatus.RENDERING


def _fail(job: PdfJob, reason: str) -> None:
    job.status, job.error, job.finished_at = PdfJobStatus.FAILED, reason[:2000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])


def _write_atomically(relpath: str, data: bytes) -> None:
    target = Path(settings.MEDIA_ROOT) / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def pdf_job_run(job_id: int) -> RunOutcome:
    """Render a job's document (the task's body). Idempotent: a finished job is left alone, a
    render writes the revision's one file name atomically and marks the row ready; running
    it twice (a redelivered message, the sweeper) still ends with exactly one document."""
    from . import pdf

    job, status = _claim(job_id)
    if job is None:
        return RunOutcome(status)
    started = time.monotonic()
    try:
        delay = float(_setting("QUOTES_PDF_RENDER_DELAY", 0))  # tests: widen the kill window
        if delay:
            time.sleep(delay)
        rendered = pdf.render_quote(job.quote)
    except pdf.PdfRenderError as exc:  # deterministic: retrying cannot help
        _fail(job, str(exc))
        return RunOutcome(PdfJobStatus.FAILED)
    except Exception as exc:  # noqa: BLE001 - any other error is retried, then reported
        logger.exception("render of PDF job %s failed", job_id)
        return _after_error(job, f"{type(exc).__name__}: {exc}")
    relpath = document_relpath(job.quote)
    _write_atomically(relpath, rendered.data)
    PdfJob.objects.filter(pk=job.pk).exclude(status=PdfJobStatus.READY).update(
        status=PdfJobStatus.READY,
        file_name=relpath,
        file_size=len(rendered.data),
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        pages=rendered.pages,
        error="",
        render_seconds=Decimal(f"{time.monotonic() - started:.3f}"),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return RunOutcome(PdfJobStatus.READY)


def pdf_job_record_error(job_id: int, error: str) -> RunOutcome:
    """Record an error raised around a run (e.g. the soft time limit) and decide on retry."""
    job = PdfJob.objects.filter(pk=job_id).first()
    if job is None:
        return RunOutcome("missing")
    return _after_error(job, error)


def _after_error(job: PdfJob, error: str) -> RunOutcome:
    if job.attempts >= pdf_max_attempts():
        _fail(job, f"gave up after {job.attempts} attempts: {error}")
        return RunOutcome(PdfJobStatus.FAILED)
    PdfJob.objects.filter(pk=job.pk, status=PdfJobStatus.RENDERING).update(
        status=PdfJobStatus.QUEUED, error=error[:2000], updated_at=timezone.now()
    )
    return RunOutcome(PdfJobStatus.QUEUED, retry_in=min(5 * 4 ** (job.attempts - 1), 300))


def pdf_jobs_requeue_stale(
    *,
    now: datetime | None = None,
    queued_seconds: int | None = None,
    rendering_seconds: int | None = None,
) -> dict[str, int]:
    """The sweeper: re-enqueue jobs left pending too long (their message was lost, or their
    worker died and the message did not come back); fail those out of attempts. Each job is
    claimed with a conditional UPDATE, so two sweepers never requeue the same job twice."""
    now = now or timezone.now()
    queued_s = (
        queued_seconds
        if queued_seconds is not None
        else _setting("QUOTES_PDF_STALE_QUEUED_SECONDS", 900)
    )
    rendering_s = (
        rendering_seconds
        if rendering_seconds is not None
        else _setting("QUOTES_PDF_STALE_RENDERING_SECONDS", 420)
    )
    stale = selectors.pdf_jobs_stale(
        queued_before=now - timedelta(seconds=queued_s),
        rendering_before=now - timedelta(seconds=rendering_s),
    )
    counts = {"requeued": 0, "failed": 0}
    for job in stale:
        if job.attempts >= pdf_max_attempts():
            reason = (
                f"gave up after {job.attempts} attempts; last error: {job.error or 'worker lost'}"
            )
            done = PdfJob.objects.filter(
                pk=job.pk, status=job.status, updated_at=job.updated_at
            ).update(status=PdfJobStatus.FAILED, error=reason, finished_at=now, updated_at=now)
            counts["failed"] += done
            continue
        with transaction.atomic():
            done = PdfJob.objects.filter(
                pk=job.pk, status=job.status, updated_at=job.updated_at
            ).update(status=PdfJobStatus.QUEUED, enqueued_at=now, updated_at=now)
            if done:
                transaction.on_commit(partial(_enqueue, job.pk))
        counts["requeued"] += done
    return counts
