"""Saved sizings. A scenario keeps what was computed: inputs, the engine's result and the engine
version, so every quote line can be traced back to the run that produced it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Scenario(models.Model):
    """A named, saved sizing owned by a user and visible to their organization."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="scenarios"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenarios"
    )
    name = models.CharField(max_length=200)
    inputs = models.JSONField(help_text="the workload exactly as sent to the engine")
    result = models.JSONField(help_text="the engine's full result for those inputs")
    engine_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def gpu_count(self) -> int:
        return int(self.result.get("gpu_count", 0))

    @property
    def node_count(self) -> int:
        return int(self.result.get("node_count", 0))
