"""One accepted price per quote: the state machine under row locks (PostgreSQL, real
transactions and threads for the races).

Operations on one quote number: the customer accepts rev. A, a seller revises A into draft B,
sends B, the customer accepts B. In every order, one after the other, and all at once, the
quote never ends with two accepted revisions, and each refusal is a clear ApplicationError
(never an IntegrityError from the safety-net constraint)."""

from __future__ import annotations

import itertools
import random
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from apps.core.exceptions import ApplicationError
from apps.quotes import selectors, services
from apps.quotes.models import Quote, QuoteDecision

from . import factories

OPS = ("accept_a", "revise", "send_b", "accept_b")


@pytest.fixture
def no_render():
    """The document is not the subject here: do not hand render jobs to the worker."""
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        yield


def _messages(exc: ApplicationError) -> str:
    return " ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message


def test_accepting_a_locks_the_draft_revision_b(book, sales_user, media_root, no_render):
    a, token_a = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    b = services.quote_revise(user=sales_user, quote=a)
    services.quote_accept(link=selectors.share_link_resolve(token_a), name="Ada Lovelace")
    b.refresh_from_db()
    assert b.status == "superseded"
    assert b.status_changes.last().note == f"locked: {a.reference} was accepted"
    with pytest.raises(ApplicationError) as edit:
        services.quote_update(user=sales_user, quote=b, data={"discount_percent": "40"})
    assert "locked when rev. A was accepted" in _messages(edit.value)
    with pytest.raises(ApplicationError) as send:
        services.quote_send(user=sales_user, quote=b)
    assert "rev. A was accepted" in _messages(send.value) and "cannot be sent" in _messages(
        send.value
    )
    with pytest.raises(ApplicationError) as revise:
        services.quote_revise(user=sales_user, quote=a)
    assert "cannot be revised" in _messages(revise.value)
    decision = QuoteDecision.objects.get()
    assert (decision.quote_id, decision.name, decision.total) == (a.pk, "Ada Lovelace", a.total)


def test_sending_b_supersedes_a_so_only_b_can_be_accepted(book, sales_user, media_root, no_render):
    a, token_a = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    b = services.quote_revise(user=sales_user, quote=a)
    b, token_b = services.quote_send(user=sales_user, quote=b)
    assert selectors.share_link_resolve(token_a) is None  # revoked
    a.refresh_from_db()
    assert a.status == "superseded"
    with pytest.raises(ApplicationError):
        services.quote_accept(link=a.share_links.get(), name="Late Larry")
    services.quote_accept(link=selectors.share_link_resolve(token_b), name="Ada")
    assert list(Quote.objects.filter(status="accepted").values_list("revision", flat=True)) == ["B"]


class Family:
    """One quote number and the four operations on it; each returns 'ok' or the refusal."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.a, self.token_a = services.quote_send(user=user, quote=factories.make_quote(user))
        self.b: Quote | None = None
        self.token_b: str | None = None

    def run(self, op: str) -> str:
        try:
            getattr(self, op)()
        except ApplicationError as exc:
            return f"refused: {_messages(exc)}"
        return "ok"

    def accept_a(self) -> None:
        self._accept(self.token_a, "Customer A")

    def revise(self) -> None:
        self.b = services.quote_revise(user=self.user, quote=self.a)

    def send_b(self) -> None:
        if self.b is None:
            raise ApplicationError("no B", {"__all__": ["There is no revision B to send."]})
        self.b, self.token_b = services.quote_send(user=self.user, quote=self.b)

    def accept_b(self) -> None:
        if self.token_b is None:
            raise ApplicationError("no B link", {"__all__": ["Revision B was never sent."]})
        self._accept(self.token_b, "Customer B")

    @staticmethod
    def _accept(token: str, name: str) -> None:
        link = selectors.share_link_resolve(token)
        if link is None:
            raise ApplicationError("dead link", {"__all__": ["The link is no longer valid."]})
        services.quote_accept(link=link, name=name)

    def check(self) -> list[str]:
        """The invariants; returns the statuses by revision."""
        revisions = list(Quote.objects.filter(number=self.a.number).order_by("revision"))
        accepted = [q for q in revisions if q.status == "accepted"]
        assert len(accepted) <= 1, [(q.revision, q.status) for q in revisions]
        if accepted:
            others = [q.status for q in revisions if q.pk != accepted[0].pk]
            assert all(s in {"superseded", "rejected", "expired"} for s in others), others
            decision = QuoteDecision.objects.get(quote__number=self.a.number)
            assert (decision.revision, decision.total) == (accepted[0].revision, accepted[0].total)
        assert QuoteDecision.objects.filter(quote__number=self.a.number).count() == len(accepted)
        return [f"{q.revision}:{q.status}" for q in revisions]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_every_order_of_accept_revise_send_accept(postgres, media_root, no_render) -> None:
    assert connection.vendor == "postgresql"
    factories.load_catalog()
    user = factories.make_user(factories.make_org("seller"))
    endings = set()
    for order in itertools.permutations(OPS):
        family = Family(user)
        outcomes = [family.run(op) for op in order]
        endings.add(tuple(family.check()))
        if order.index("accept_a") < order.index("revise"):
            # accepted first: revising is refused with the reason
            assert "cannot be revised" in outcomes[order.index("revise")], (order, outcomes)
    # Both endings happen: A accepted (B never made or locked) and B accepted (A superseded).
    assert ("A:accepted",) in endings or ("A:accepted", "B:superseded") in endings
    assert ("A:superseded", "B:accepted") in endings


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_all_at_once_never_two_accepted_revisions(postgres, media_root, no_render) -> None:
    """Four threads with their own connections start together; the dependent ones (send B,
    accept B) fire as soon as what they need exists. Twenty rounds with random jitter."""
    assert connection.vendor == "postgresql"
    factories.load_catalog()
    user = factories.make_user(factories.make_org("seller"))
    rng = random.Random(13)
    endings: dict[tuple[str, ...], int] = {}
    for _round in range(20):
        family = Family(user)
        jitter = {op: rng.uniform(0, 0.03) for op in OPS}
        barrier = threading.Barrier(len(OPS))
        outcomes: dict[str, str] = {}
        crashes: list[BaseException] = []
        b_ready, b_sent = threading.Event(), threading.Event()

        def worker(op: str, after: threading.Event | None, then: threading.Event | None) -> None:
            try:
                barrier.wait(timeout=30)
                time.sleep(jitter[op])
                if after is not None:
                    after.wait(timeout=10)
                outcomes[op] = family.run(op)
            except BaseException as exc:  # noqa: BLE001 - an IntegrityError, a deadlock …
                crashes.append(exc)
            finally:
                if then is not None:
                    then.set()
                connections.close_all()

        plan: dict[str, tuple[threading.Event | None, threading.Event | None]] = {
            "accept_a": (None, None),
            "revise": (None, b_ready),
            "send_b": (b_ready, b_sent),
            "accept_b": (b_sent, None),
        }
        threads = [threading.Thread(target=worker, args=(op, *plan[op])) for op in OPS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not crashes, crashes[:2]
        ending = tuple(family.check())
        endings[ending] = endings.get(ending, 0) + 1
        assert all(o == "ok" or o.startswith("refused: ") for o in outcomes.values()), outcomes
    print("endings over 20 concurrent rounds:", endings)
    assert sum(endings.values()) == 20
