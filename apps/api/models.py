"""Stored idempotency keys of the API (see `apps.api.idempotency`)."""

from __future__ import annotations

from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to a request sent with an `Idempotency-Key` header.

    A key belongs to the caller that sent it (`caller`: `token:<id>` or `user:<id>`), so two
    partners using the same key never see each other's answers. `request_hash` is the SHA-256
    of the method, path and canonical JSON body: the same key with another body is refused.
    """

    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    quote = models.ForeignKey(
        "quotes.Quote", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="api_idempotency_caller_key")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
