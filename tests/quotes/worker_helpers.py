"""Helpers for tests that drive a real Celery worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T],
    timeout: float,
    what: str,
    log: Path | None = None,
    interval: float = 0.2,
) -> T:
    """Poll `check` until it returns something truthy; fail with the worker log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}\n--- worker log ---\n{tail}"
    )


def pdf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.pdf") if p.is_file())
