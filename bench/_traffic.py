"""Fixed-rate mixed traffic against a bench stack, shared by load_mixed.py and the fault benches.

Open loop: requests are due on a fixed schedule whatever the answers' latency, and a request's
latency is counted from the moment it was due (so a wait for a free client counts too, nothing
is hidden by a slow generator). They are sent by a small pool of client threads (a thread per
request cost the generator, on the same 2 cores as the server, more than some requests it
measures), each keeping its HTTP/1.1 connection open while the server does (production's sync
workers close it after each answer, as behind the proxy; a server with keep-alive keeps it)
and reopening it when closed or idle near a 5 s keep-alive limit. Kinds:

- wizard: the wizard's htmx partial update (GET /sizing/?… with HX headers, session cookie)
- api_sizing: POST /api/v1/sizing/ (token)
- quote_create: POST /api/v1/quotes/ from the saved scenario (token); feeds the drafts pool
- pdf_request: POST /api/v1/quotes/{id}/send/ of a draft: the quote is sent and its PDF
  requested (rendered by the worker)
"""

from __future__ import annotations

import collections
import http.client
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _stack import Stack

DEFAULT_RATES = {"wizard": 4.0, "api_sizing": 2.0, "quote_create": 1.0, "pdf_request": 0.5}
_REQUEST_NUMBERS = itertools.count(1)
CLIENTS = 32  # client threads (and connections at most)
IDLE_REOPEN_S = 4.0  # below a 5 s keep-alive: never reuse a connection the server may close


@dataclass
class Sample:
    t: float  # seconds since the start, when the request was due
    kind: str
    status: int
    ms: float  # from when it was due to the answer's last byte
    detail: str = ""
    lag_ms: float = 0.0  # from when it was due to when it was sent (the generator's delay)


class Client:
    """One connection to the server (kept while the server keeps it), one thread at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0.0
        self.opened = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers); status 0 for a connection error."""
        hdrs = {"Host": "127.0.0.1", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if self.conn is not None and time.monotonic() - self.used > IDLE_REOPEN_S:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.opened += 1
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b"", {}
        if resp.will_close:
            self.close()
        self.used = time.monotonic()
        return resp.status, payload, {k.lower(): v for k, v in resp.getheaders()}


@dataclass
class Traffic:
    stack: Stack
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    samples: list[Sample] = field(default_factory=list)
    drafts: collections.deque[int] = field(default_factory=collections.deque)
    sent: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Shared by every Traffic of the process: a quote creation's content (its customer name)
    # is never repeated, which the API would answer as a keyless retry of the earlier quote.
    counter: itertools.count[int] = field(default_factory=lambda: _REQUEST_NUMBERS)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.creds['token']}"}

    connections_opened: int = 0

    def _do(self, client: Client, kind: str, start: float, due: float) -> None:
        """Send one request of `kind`, due at `due` (monotonic; `start`: seconds since t0)."""
        n = next(self.counter)
        sent_at = time.monotonic()
        detail = ""
        if kind == "wizard":
            users = 5 + n % 60
            path = (
                f"/sizing/?kind=inference&model=llama-3.1-8b&gpu=l40s-48gb&fabric=infiniband"
                f"&prompt_tokens=1024&output_tokens=256&users={users}"
            )
            status, body, hdrs = client.send(
                "GET",
                path,
                headers={
                    "Cookie": f"sessionid={self.stack.creds['sessionid']}",
                    "HX-Request": "true",
                    "HX-Target": "result",
                    "HX-Current-URL": "/sizing/",
                },
            )
            if status == 200 and b'class="status"' not in body:
                status, detail = 599, "not a result partial"
        elif kind == "api_sizing":
            workload = {
                "kind": "inference",
                "model": "llama-3.1-8b",
                "gpu": "l40s-48gb",
                # A different workload every request (users and prompt length both vary: no
                # repeat within 15,360 requests), so the API's per-process answer memo
                # (apps/api/sizing_memo.py) never answers the bench from memory.
                "inference": {
                    "concurrent_users": 5 + n % 60,
                    "prompt_tokens": 512 + n % 1024,
                    "output_tokens": 256,
                },
            }
            status, body, hdrs = client.send(
                "POST", "/api/v1/sizing/", headers=self._headers(), body=workload
            )
        elif kind == "quote_create":
            data = {
                "scenario": self.stack.creds["scenario"],
                "customer_company": f"Load {n}",
                "customer_contact": "Load Tester",
                "customer_email": "load@example.com",
            }
            status, body, hdrs = client.send(
                "POST", "/api/v1/quotes/", headers=self._headers(), body=data
            )
            if status == 201:
                with self.lock:
                    self.drafts.append(int(json.loads(body)["id"]))
                    self.created.append(self.drafts[-1])
        else:  # pdf_request
            with self.lock:
                quote_id = self.drafts.popleft() if self.drafts else None
            if quote_id is None:
                status, body, hdrs, detail = 598, b"", {}, "no draft available"
            else:
                status, body, hdrs = client.send(
                    "POST", f"/api/v1/quotes/{quote_id}/send/", headers=self._headers()
                )
                if 200 <= status < 300:
                    with self.lock:
                        self.sent.append(quote_id)
                elif status != 503:
                    detail = f"quote {quote_id}"
        if status >= 500 or status == 0:
            detail = (detail + " " + body[:200].decode("utf-8", "replace")).strip()
            detail += f" retry-after={hdrs.get('retry-after')}"
        done = time.monotonic()
        sample = Sample(start, kind, status, (done - due) * 1000, detail, (sent_at - due) * 1000)
        with self.lock:
            self.samples.append(sample)

    def _client_loop(self, jobs: queue.Queue[tuple[str, float, float] | None]) -> None:
        client = Client(self.stack.web_port)
        try:
            while (job := jobs.get()) is not None:
                self._do(client, *job)
        finally:
            client.close()
            with self.lock:
                self.connections_opened += client.opened

    def run(self, seconds: float, *, on_tick: Any = None) -> float:
        """Issue requests on schedule for `seconds`; returns the elapsed wall time."""
        offsets = {"pdf_request": 3.0}  # the first drafts exist by then
        schedule = sorted(
            (offsets.get(kind, 0) + i / rate, kind)
            for kind, rate in self.rates.items()
            if rate > 0
            for i in range(int((seconds - offsets.get(kind, 0)) * rate))
        )
        jobs: queue.Queue[tuple[str, float, float] | None] = queue.Queue()
        threads = [
            threading.Thread(target=self._client_loop, args=(jobs,), daemon=True)
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        t0 = time.monotonic()
        for at, kind in schedule:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if on_tick is not None:
                on_tick(time.monotonic() - t0)
            jobs.put((kind, at, t0 + at))
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()
        return time.monotonic() - t0

    def by_kind(self) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {k: [] for k in self.rates}
        for s in self.samples:
            out[s.kind].append((s.status, s.ms))
        return out


def wait_documents(
    stack: Stack, quote_ids: list[int], timeout: float, *, earlier: set[Any] | None = None
) -> dict[str, Any]:
    """Wait until every sent quote's PDF job is ready (or failed); check exactly one file per
    revision (files in `earlier`, from before this traffic, are not counted) and that each
    file's checksum matches its job."""
    import hashlib
    from pathlib import Path

    ids = ",".join(str(i) for i in quote_ids) or "0"
    deadline = time.monotonic() + timeout
    rows: list[list[str]] = []
    while time.monotonic() < deadline:
        out = stack.sql(
            f"SELECT quote_id, status, attempts, coalesce(file_name, ''), "
            f"coalesce(sha256, '') FROM quotes_pdfjob WHERE quote_id IN ({ids})"
        )
        rows = [line.split("|") for line in out.splitlines() if line]
        if len(rows) == len(quote_ids) and all(r[1] in ("ready", "failed") for r in rows):
            break
        time.sleep(1)
    media = Path(stack.env["STORAGE_PATH"])
    files = sorted(p for p in media.rglob("*.pdf") if p not in (earlier or set()))
    statuses = collections.Counter(r[1] for r in rows)
    bad_sums = [
        r[0]
        for r in rows
        if r[1] == "ready" and hashlib.sha256((media / r[3]).read_bytes()).hexdigest() != r[4]
    ]
    return {
        "jobs": len(rows),
        "requested": len(quote_ids),
        "statuses": dict(statuses),
        "attempts": dict(collections.Counter(r[2] for r in rows)),
        "pdf_files": len(files),
        "checksum_mismatches": len(bad_sums),
        "jobs_per_quote_max": 1 if len({r[0] for r in rows}) == len(rows) else "DUPLICATES",
    }


def run_during(traffic: Traffic, seconds: float, fault: Callable[[], None]) -> float:
    """Run the traffic for `seconds` while `fault` runs on a thread of its own; wait for both,
    then 3 s for the last answers. Returns the traffic's elapsed wall time."""
    thread = threading.Thread(target=fault)
    thread.start()
    elapsed = traffic.run(seconds)
    thread.join()
    time.sleep(3)
    return elapsed


def outage(
    marks: dict[str, float],
    down_at: float,
    down_for: float,
    stop: Callable[[], None],
    start: Callable[[], None],
    *,
    before_start: Callable[[], None] | None = None,
) -> Callable[[], None]:
    """The fault of an outage: `stop` at `down_at` s, `start` `down_for` s later (with
    `before_start` run 2 s before it), each time into `marks` from the fault's start: "stop",
    "start" and "started" (when `start` returned)."""

    def fault() -> None:
        t0 = time.monotonic()
        time.sleep(down_at)
        marks["stop"] = time.monotonic() - t0
        stop()
        if before_start is None:
            time.sleep(down_for)
        else:
            time.sleep(down_for - 2)
            before_start()
            time.sleep(2)
        marks["start"] = time.monotonic() - t0
        start()
        marks["started"] = time.monotonic() - t0

    return fault


def phase_of(t: float, marks: dict[str, float]) -> str:
    """ "before", "outage" or "after" the outage `marks` (of `outage`) for a sample at `t` s."""
    return "before" if t < marks["stop"] else "outage" if t < marks["started"] else "after"
