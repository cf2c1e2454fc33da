"""Fixed-rate mixed traffic against a bench stack (open loop: requests are issued on schedule
whatever the answers' latency, by a pool of threads), shared by load_mixed.py and the fault
benches. Kinds:

- wizard: the wizard's htmx partial update (GET /sizing/?… with HX headers, session cookie)
- api_sizing: POST /api/v1/sizing/ (token)
- quote_create: POST /api/v1/quotes/ from the saved scenario (token); feeds the drafts pool
- pdf_request: POST /api/v1/quotes/{id}/send/ of a draft: the quote is sent and its PDF
  requested (rendered by the worker)
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from _stack import Stack, request

DEFAULT_RATES = {"wizard": 4.0, "api_sizing": 2.0, "quote_create": 1.0, "pdf_request": 0.5}


@dataclass
class Sample:
    t: float  # seconds since the start
    kind: str
    status: int
    ms: float
    detail: str = ""


@dataclass
class Traffic:
    stack: Stack
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    samples: list[Sample] = field(default_factory=list)
    drafts: collections.deque[int] = field(default_factory=collections.deque)
    sent: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.creds['token']}"}

    def _do(self, kind: str, start: float) -> None:
        n = next(self.counter)
        port = self.stack.web_port
        detail = ""
        if kind == "wizard":
            users = 5 + n % 60
            path = (
                f"/sizing/?kind=inference&model=llama-3.1-8b&gpu=l40s-48gb&fabric=infiniband"
                f"&prompt_tokens=1024&output_tokens=256&users={users}"
            )
            status, ms, body, hdrs = request(
                port,
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
                "inference": {
                    "concurrent_users": 5 + n % 60,
                    "prompt_tokens": 1024,
                    "output_tokens": 256,
                },
            }
            status, ms, body, hdrs = request(
                port, "POST", "/api/v1/sizing/", headers=self._headers(), body=workload
            )
        elif kind == "quote_create":
            data = {
                "scenario": self.stack.creds["scenario"],
                "customer_company": f"Load {n}",
                "customer_contact": "Load Tester",
                "customer_email": "load@example.com",
            }
            status, ms, body, hdrs = request(
                port, "POST", "/api/v1/quotes/", headers=self._headers(), body=data
            )
            if status == 201:
                import json

                with self.lock:
                    self.drafts.append(int(json.loads(body)["id"]))
                    self.created.append(self.drafts[-1])
        else:  # pdf_request
            with self.lock:
                quote_id = self.drafts.popleft() if self.drafts else None
            if quote_id is None:
                status, ms, body, hdrs, detail = 598, 0.0, b"", {}, "no draft available"
            else:
                status, ms, body, hdrs = request(
                    port, "POST", f"/api/v1/quotes/{quote_id}/send/", headers=self._headers()
                )
                if 200 <= status < 300:
                    with self.lock:
                        self.sent.append(quote_id)
                elif status != 503:
                    detail = f"quote {quote_id}"
        if status >= 500 or status == 0:
            detail = (detail + " " + body[:200].decode("utf-8", "replace")).strip()
            detail += f" retry-after={hdrs.get('retry-after')}"
        with self.lock:
            self.samples.append(Sample(start, kind, status, ms, detail))

    def run(self, seconds: float, *, on_tick: Any = None) -> float:
        """Issue requests on schedule for `seconds`; returns the elapsed wall time."""
        offsets = {"pdf_request": 3.0}  # the first drafts exist by then
        schedule = sorted(
            (offsets.get(kind, 0) + i / rate, kind)
            for kind, rate in self.rates.items()
            if rate > 0
            for i in range(int((seconds - offsets.get(kind, 0)) * rate))
        )
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=48) as pool:
            for at, kind in schedule:
                delay = t0 + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if on_tick is not None:
                    on_tick(time.monotonic() - t0)
                pool.submit(self._do, kind, time.monotonic() - t0)
        return time.monotonic() - t0

    def by_kind(self) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {k: [] for k in self.rates}
        for s in self.samples:
            out[s.kind].append((s.status, s.ms))
        return out


def wait_documents(stack: Stack, quote_ids: list[int], timeout: float) -> dict[str, Any]:
    """Wait until every sent quote's PDF job is ready (or failed); check exactly one file per
    revision and that each file's checksum matches its job."""
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
    files = sorted(p for p in media.rglob("*.pdf"))
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
