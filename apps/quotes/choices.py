"""Choices of the quotes app."""

from django.db import models


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    # A sent revision replaced by a newer sent revision, or any open revision of a quote whose
    # other revision was accepted: readable, no longer offered, locked.
    SUPERSEDED = "superseded", "Superseded"


class Section(models.TextChoices):
    """BoM sections, in document order (the engine's `section` values)."""

    COMPUTE = "compute", "Compute"
    FABRIC = "fabric", "Fabric"
    MANAGEMENT = "management", "Management"
    SOFTWARE = "software", "Software"
    SERVICES = "services", "Services"


SECTION_ORDER = [value for value, _ in Section.choices]


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class PdfJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# Transitions a user or the customer may make; everything else is refused by services.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    # A draft is superseded (locked) when a sibling revision is accepted.
    QuoteStatus.DRAFT: {QuoteStatus.SENT, QuoteStatus.SUPERSEDED},
    QuoteStatus.SENT: {
        QuoteStatus.ACCEPTED,
        QuoteStatus.REJECTED,
        QuoteStatus.EXPIRED,
        QuoteStatus.SUPERSEDED,
    },
    QuoteStatus.ACCEPTED: set(),
    QuoteStatus.REJECTED: set(),
    QuoteStatus.EXPIRED: set(),
    QuoteStatus.SUPERSEDED: set(),
}
