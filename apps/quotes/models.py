"""Quotes: priced, versioned offers built from a saved scenario, their lines, status history,
the customer's share links and the PDF document job.

One `Quote` row is one *revision* of a quote. Revisions of the same quote share the `number`
(`Q-2026-00042`) and differ by `revision` letter (A, B, C…); `previous` chains them and, being
one-to-one, guarantees the chain is linear (a revision is revised at most once). The latest
revision is the one without `next_revision`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.accounts.choices import Role

from .choices import ApprovalDecision, PdfJobStatus, QuoteStatus, Section

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))


def _percent() -> models.DecimalField:
    return models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00"), validators=PERCENT_VALIDATORS
    )


class QuoteNumberCounter(models.Model):
    """The last quote number handed out in a year. Its row is locked (`select_for_update`)
    while a number is taken, so numbers are gap-free: a rolled-back creation rolls the
    counter back with it."""

    year = models.PositiveIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class Quote(models.Model):
    """One revision of a quote. Editable while `draft`; immutable once sent."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="quotes"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quotes"
    )
    scenario = models.ForeignKey("sizing.Scenario", on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(max_length=20, db_index=True)
    revision = models.CharField(max_length=3, default="A")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_revision"
    )
    status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)

    customer_company = models.CharField(max_length=200)
    customer_contact = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254)

    price_book = models.ForeignKey(
        "catalog.PriceBook", on_delete=models.PROTECT, related_name="quotes"
    )
    currency = models.CharField(max_length=3)
    # Copied from the price book when priced: the label must not change if the book does.
    is_sample = models.BooleanField(default=False)

    valid_until = models.DateField()
    discount_percent = _percent()
    terms = models.TextField(max_length=10000, blank=True)
    notes = models.TextField(max_length=5000, blank=True)

    subtotal = _money()
    discount_amount = _money()
    total = _money()

    # What the sizing engine computed when this revision was priced (the scenario may change
    # later; the sent document must not).
    sizing_inputs = models.JSONField(default=dict)
    sizing_result = models.JSONField(default=dict)
    engine_version = models.CharField(max_length=20, blank=True)

    accepted_by_name = models.CharField(max_length=200, blank=True)
    decision_reason = models.TextField(max_length=2000, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The request that created it (API: caller + body, SHA-256), kept with the quote so a
    # retry of a creation whose answer was lost finds this quote instead of making a second.
    creation_request = models.CharField(max_length=64, blank=True, default="")
    # The sender asked a sales manager to approve the draft's discount (cleared by the
    # manager's decision): the draft is listed as awaiting approval until then.
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approval_request_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quotes_number_revision"),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(subtotal__gte=0), name="quotes_totals_non_negative"
            ),
            # One accepted price per quote: the services lock the family and refuse a second
            # acceptance; this is the safety net.
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(status=QuoteStatus.ACCEPTED),
                name="quotes_one_accepted_revision",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(
                fields=["approval_requested_at"],
                condition=Q(approval_requested_at__isnull=False),
                name="quotes_awaiting_approval",
            ),
            models.Index(
                fields=["creation_request"],
                condition=~Q(creation_request=""),
                name="quotes_creation_request",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def lines_to_be_confirmed(self) -> int:
        """Lines without a sourced part number and so without a price (not in the totals)."""
        return sum(1 for line in self.lines.all() if line.unit_price is None)

    @property
    def reference(self) -> str:
        """`Q-2026-00042 rev. B`."""
        return f"{self.number} rev. {self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status == QuoteStatus.DRAFT

    @property
    def discount_approval(self) -> QuoteApproval | None:
        """The manager's approval that covers this revision as it stands (the latest decision
        on it, an approval, given at this very total), or None."""
        last = self.approvals.order_by("-decided_at", "-id").first()
        if last is None or last.decision != ApprovalDecision.APPROVED or last.total != self.total:
            return None
        return last


class QuoteLine(models.Model):
    """A priced BoM line. Quantities and parts come from the scenario's BoM; prices from the
    price book; `line_total` is rounded once to the currency's minor unit. A part to be
    confirmed (no sourced part number, `TBC-…` key) has no unit price and no line total: it is
    listed, shown as "to be confirmed" and left out of the totals."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=12, choices=Section.choices)
    part_number = models.CharField(max_length=40)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="none: to be confirmed"
    )
    discount_percent = _percent()
    line_total = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="none: to be confirmed"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="quotes_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× {self.part_number}"

    @property
    def to_be_confirmed(self) -> bool:
        """No sourced part number and so no price: not in the totals."""
        return self.unit_price is None


class QuoteStatusChange(models.Model):
    """An audit record of one status change: who (a user, or the customer through a share
    link, or the system) and when."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=QuoteStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=QuoteStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.CharField(max_length=250, help_text="who, in words (user, customer, system)")
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.quote}: {self.from_status or '∅'} → {self.to_status} by {self.actor}"


class ShareLink(models.Model):
    """The customer's link to one quote revision. Only the SHA-256 of the 256-bit token is
    stored; the token itself is shown once, when the link is made."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"link to {self.quote} ({self.token_hash[:8]}…)"


class QuoteDecision(models.Model):
    """The customer's decision on one revision, as it was made: who (the name they typed),
    when, through which link, on which revision and at which total."""

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="decision")
    share_link = models.ForeignKey(ShareLink, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(
        max_length=12,
        choices=[(QuoteStatus.ACCEPTED, "Accepted"), (QuoteStatus.REJECTED, "Rejected")],
    )
    name = models.CharField(max_length=200, blank=True, help_text="as typed by the customer")
    reason = models.TextField(max_length=2000, blank=True)
    number = models.CharField(max_length=20)
    revision = models.CharField(max_length=3)
    total = _money()
    currency = models.CharField(max_length=3)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} rev. {self.revision} {self.decision} by {self.name or '(no name)'}"


class DiscountLimit(models.Model):
    """The largest effective discount a role may send without approval, for one organization
    or (no organization) for all; the setting QUOTES_DISCOUNT_LIMITS is the fallback."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discount_limits",
        help_text="empty: every organization without its own row",
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    max_percent = _percent()

    class Meta:
        ordering = ["organization_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "role"], name="quotes_discount_limit_org_role"
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=Q(organization__isnull=True),
                name="quotes_discount_limit_default_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization or 'every organization'} · {self.role}: {self.max_percent} %"


class QuoteApproval(models.Model):
    """A sales manager's decision on a draft's discount: approved or refused, at which
    effective discount and total. An approval covers the revision only at that total."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="approvals")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    discount_percent = _percent()
    limit_percent = _percent()
    total = _money()
    currency = models.CharField(max_length=3)
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.quote}: discount {self.discount_percent} % {self.decision}"


class PdfJob(models.Model):
    """The job that renders a quote revision's document, and then the document itself.

    The database, not the broker, is the source of truth: state, attempts, the reason of a
    failure and the file live here. One row per revision (one-to-one), so asking again
    returns the same job and the same file.
    """

    quote = models.OneToOneField(Quote, on_delete=models.CASCADE, related_name="pdf_job")
    status = models.CharField(
        max_length=10, choices=PdfJobStatus.choices, default=PdfJobStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    file_name = models.CharField(
        max_length=200, blank=True, help_text="name in the documents storage"
    )
    file_size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The lease of the runner rendering it (services/pdf_jobs.py): one runner at a time; its
    # heartbeat renews the lease, and a lease past its expiry means the runner was lost.
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "PDF job"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PdfJobStatus.READY) | ~Q(file_name=""),
                name="quotes_pdfjob_ready_has_file",
            )
        ]

    def __str__(self) -> str:
        return f"PDF of {self.quote}: {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status in {PdfJobStatus.QUEUED, PdfJobStatus.RENDERING}


class OrganizationPriceBook(models.Model):
    """An organization's default price book (and so its currency) for new quotes: used when a
    quote is created without naming one (API) and preselected in the portal's quote form."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="default_price_book"
    )
    price_book = models.ForeignKey("catalog.PriceBook", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "organization default price book"

    def __str__(self) -> str:
        return f"{self.organization}: {self.price_book.code}"
