"""The engine's single error type for invalid or impossible input."""

from __future__ import annotations


class SizingInputError(ValueError):
    """Invalid or impossible sizing input, with messages per field path.

    ``field_errors`` maps a dotted field path (``inference.concurrent_users``) to the
    messages for that field; ``message`` is one human sentence summarising them.
    """

    def __init__(self, field_errors: dict[str, list[str]], message: str | None = None) -> None:
        self.field_errors = {key: list(msgs) for key, msgs in field_errors.items()}
        self.message = message or _summary(self.field_errors)
        super().__init__(self.message)

    @classmethod
    def single(cls, field: str, message: str) -> SizingInputError:
        """Build the error for one field and one message."""
        return cls({field: [message]})

    def to_dict(self) -> dict[str, object]:
        """Return the error as plain JSON-able data."""
        return {"message": self.message, "field_errors": self.field_errors}


def _summary(field_errors: dict[str, list[str]]) -> str:
    parts = [f"{field}: {'; '.join(msgs)}" for field, msgs in sorted(field_errors.items())]
    return "Invalid sizing input — " + " | ".join(parts) if parts else "Invalid sizing input"
