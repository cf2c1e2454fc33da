"""Fixtures of the ops tests: organizations, users and quotes through the quotes factories."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.quotes import factories


@pytest.fixture
def seller(db):
    return factories.make_org("seller", name="Seller Ops")


@pytest.fixture
def sales_user(seller):
    return factories.make_user(seller, username="olga")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def dead_port() -> int:
    """A loopback port nobody listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_SESSION_BROKER_URL = os.environ.get("CELERY_BROKER_URL")  # what the suite was started with


def point_celery_at(url: str | None) -> None:
    """The in-process Celery app (producer, control) uses `url` from now on, or with None the
    broker the test session started with: Celery reads CELERY_BROKER_URL from the environment
    before its configuration; cached connections to the previous broker are dropped.

    The environment is restored, never just emptied: subprocesses started by later tests (the
    token-revocation test's second process) inherit it, and without CELERY_BROKER_URL their
    shared cache would be a file cache this process never reads."""
    from kombu import pools

    from config.celery_app import app

    url = url or _SESSION_BROKER_URL
    if url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
