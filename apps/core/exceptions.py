"""Errors raised by services: the interface layer turns them into field messages."""


class ApplicationError(Exception):
    """A business rule refused the request. `field_errors` maps field names to messages."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
