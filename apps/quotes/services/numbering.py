"""Quote numbers (`Q-2026-00042`, gap-free per year) and revision letters (A, B, … AA)."""

from __future__ import annotations

from django.utils import timezone

from ..models import QuoteNumberCounter


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
