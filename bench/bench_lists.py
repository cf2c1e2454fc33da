"""Lists of 1,000 scenarios and 1,000 quotes (issue 16: ≤ 30 ms each, constant query count).

What it does:
1. creates a throw-away PostgreSQL database `<name>_lists` named after DATABASE_URL's database
   (dropped first if it exists), migrates it and imports the catalog;
2. makes one seller organization and user, one scenario through `services.scenario_create`
   (a real engine result) and one quote through `quote_create_from_scenario`, then copies
   them to 1,000 scenarios and 1,000 quotes with `bulk_create` (each copy carries the full
   JSON result, as saved rows do; the list figures are set as `Scenario.save` sets them);
3. requests, in-process through Django's test client (URL routing, middleware, session or
   token authentication, the view, the template or serializer, the access log written as in
   production), each list `--requests` times: the portal pages `/sizing/scenarios/` and
   `/quotes/` (page 1: 50 rows, with the total count), and the API lists `/api/v1/scenarios/`
   and `/api/v1/quotes/` at their default page (50) and at the largest page (`limit=200`);
4. prints per list: wall-clock and CPU (`time.thread_time()`) median and p95 per request, the
   queries of one request, and the same with 10 and with 1,000 rows (the query count must not
   change);
5. prints, as the "before" figure, the time to read 200 rows of each list with and without
   the JSON columns deferred, and the ratio.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_h7 \\
        .venv/bin/python bench/bench_lists.py [--requests 100] [--rows 1000]

The target is judged on the CPU median, the figure issue 16 measured ("CPU time per
request"); the database server's CPU is not in it (it is in the wall-clock figure, which on a
shared 2-core machine also holds the time spent waiting for a core). BENCH_SQL=1 prints each
query of the counted requests with its time.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from urllib.parse import urlsplit, urlunsplit  # noqa: E402

from bench_api import recreate_database  # noqa: E402

WORKLOAD = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 16,
    "fabric": "infiniband",
    "inference": {"concurrent_users": 500, "prompt_tokens": 1000, "output_tokens": 300},
}
TARGET_MS = 30.0


def _setup(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOG_LEVEL", "INFO")
    os.environ.setdefault("PYTEST_XDIST_WORKER", "bench-lists")  # the cache's own key prefix
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the bench
    for handler in logging.getLogger().handlers:  # the access log is written, as in production
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    call_command("migrate", verbosity=0)
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)


def _people() -> tuple[Any, str]:
    from apps.accounts.choices import OrganizationKind, Role
    from apps.accounts.services import api_token_create, organization_get_or_create, user_create

    org = organization_get_or_create("Bench Seller", OrganizationKind.SELLER)[0]
    user = user_create(
        username="bench", password="bench-password-1", organization=org, role=Role.SALES
    )
    token = api_token_create(user=user, name="bench", scope="read", expires_in_days=7)[1]
    return user, token


def _fill(user: Any, rows: int) -> None:
    """`rows` scenarios and `rows` quotes in all (copies of one real one each)."""
    from apps.catalog.models import PriceBook
    from apps.quotes import services as quote_services
    from apps.quotes.models import Quote
    from apps.sizing import services
    from apps.sizing.models import Scenario, figures_of

    have = Scenario.objects.count()
    if have >= rows:
        return
    first = Scenario.objects.first() or services.scenario_create(
        user=user, name="Seed Large", inputs=WORKLOAD
    )
    quote = Quote.objects.first() or quote_services.quote_create_from_scenario(
        user=user,
        scenario=first,
        price_book=PriceBook.objects.get(code="SAMPLE-USD"),
        customer_company="Acme Research GmbH",
        customer_contact="Ada Lovelace",
        customer_email="ada@example.com",
    )
    scenarios = []
    for i in range(Scenario.objects.count(), rows):
        s = Scenario(
            organization_id=first.organization_id,
            owner_id=first.owner_id,
            name=f"Copy {i:04d} of {first.name}",
            inputs=copy.deepcopy(first.inputs),
            result=copy.deepcopy(first.result),
            engine_version=first.engine_version,
            **figures_of(first.result),
        )
        scenarios.append(s)
    Scenario.objects.bulk_create(scenarios, batch_size=200)
    quotes = []
    for i in range(Quote.objects.count(), rows):
        q = copy.copy(quote)
        q.pk = q.id = None
        q.number = f"Q-BENCH-{i:05d}"
        quotes.append(q)
    Quote.objects.bulk_create(quotes, batch_size=200)


def _measure(client: Any, path: str, n: int, **headers: str) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path, headers=headers)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return wall, cpu


def _queries(client: Any, path: str, **headers: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, headers=headers).status_code == 200
    if os.environ.get("BENCH_SQL"):
        for q in ctx.captured_queries:
            print(f"    {q['time']} s  {q['sql'][:150]}")
    return len(ctx.captured_queries)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(round(q * (len(ordered) - 1)))]


def _read_rows(queryset: Any, n: int = 20) -> float:
    """Median ms to fetch 200 rows of `queryset` and touch what a list shows."""
    times = []
    for _ in range(n):
        started = time.thread_time()
        for row in queryset[:200]:
            _ = row.name if hasattr(row, "name") else row.number
        times.append((time.thread_time() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://portal:portal@127.0.0.1:5432/portal")
    parts = urlsplit(base)
    name = parts.path.lstrip("/") + "_lists"
    url = urlunsplit(parts._replace(path="/" + name))
    recreate_database(url, name)
    try:
        _setup(url)
        from django.test import Client

        user, token = _people()
        web = Client(SERVER_NAME="localhost")
        web.force_login(user)
        api = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        lists = [
            ("portal /sizing/scenarios/ (page 1 of 50)", web, "/sizing/scenarios/"),
            ("portal /quotes/ (page 1 of 50)", web, "/quotes/"),
            ("API /api/v1/scenarios/ (50)", api, "/api/v1/scenarios/"),
            ("API /api/v1/quotes/ (50)", api, "/api/v1/quotes/"),
            ("API /api/v1/scenarios/?limit=200", api, "/api/v1/scenarios/?limit=200"),
            ("API /api/v1/quotes/?limit=200", api, "/api/v1/quotes/?limit=200"),
        ]
        _fill(user, 10)
        for _, client, path in lists:  # first use of the session and the token
            client.get(path)
        few = {path: _queries(client, path) for _, client, path in lists}
        _fill(user, args.rows)
        print(f"rows: {args.rows} scenarios, {args.rows} quotes; {args.requests} requests each")
        worst = 0.0
        steady = True
        for label, client, path in lists:
            _measure(client, path, 5)  # warm-up
            wall, cpu = _measure(client, path, args.requests)
            queries = _queries(client, path)
            steady &= queries == few[path]
            worst = max(worst, statistics.median(cpu))
            print(
                f"{label}: wall median {statistics.median(wall):.1f} ms p95 {_p(wall, 0.95):.1f}"
                f" ms; CPU median {statistics.median(cpu):.1f} ms p95 {_p(cpu, 0.95):.1f} ms;"
                f" queries {queries} (with 10 rows: {few[path]})"
            )
        from apps.quotes import selectors as quote_selectors
        from apps.sizing import selectors

        for label, full, rows in [
            ("scenarios", selectors.scenario_list(user), selectors.scenario_rows(user)),
            ("quotes", quote_selectors.quote_list(user), quote_selectors.quote_rows(user)),
        ]:
            with_json, deferred = _read_rows(full), _read_rows(rows)
            print(
                f"read 200 {label}: with the JSON columns {with_json:.1f} ms, deferred "
                f"{deferred:.1f} ms (ratio {with_json / deferred:.1f}x)"
            )
        verdict = "OK" if worst <= TARGET_MS and steady else "NOT MET"
        print(
            f"target: every list <= {TARGET_MS:.0f} ms CPU median (worst {worst:.1f} ms), "
            f"query count constant ({'yes' if steady else 'no'}) -> {verdict}"
        )
        return 0 if verdict == "OK" else 1
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, name, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
