"""Why production's gunicorn runs processes, not threads (deploy/gunicorn.conf.py): the wall
time of an API quote creation (~20 queries and a commit) alone, next to a CPU-bound thread in
the same process (what a gthread worker does when another of its threads renders a wizard
update), and next to a CPU-bound separate process (what another sync worker does).

A thread returning from a query needs the interpreter lock back; a CPU-bound thread holds it
until the switch interval (5 ms) forces it out, so each query can cost up to 5 ms more. A
separate process competes only for a core, which the kernel gives to the woken process at once
when one is free. The modes are interleaved (3 rounds) so a busy machine affects them alike.

Runs in-process through Django's test client against the database DATABASE_URL names (use
PostgreSQL, as in production: the round trips are the point), with the catalog imported.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_threads.py [--requests 15]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _spin(stop: threading.Event | Any) -> None:
    x = 0
    while not stop.is_set():
        for i in range(10000):
            x += i * i


def _setup():  # noqa: ANN202 - (client, scenario id)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("PYTEST_XDIST_WORKER", "bench-threads")
    for rate in ("API_RATE_WRITE", "API_RATE_READ", "API_RATE_SIZING"):
        os.environ[rate] = "100000/min"  # the throttles must not shape the bench
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from apps.accounts.choices import OrganizationKind, Role
    from apps.accounts.models import ApiToken, User
    from apps.accounts.services import api_token_create, organization_get_or_create, user_create
    from apps.sizing import services as sizing_services

    call_command("migrate", verbosity=0)
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)
    org = organization_get_or_create("Bench threads", OrganizationKind.SELLER)[0]
    user = User.objects.filter(username="bench-threads").first() or user_create(
        username="bench-threads",
        password="bench-password-long-1",
        organization=org,
        role=Role.SALES,
    )
    ApiToken.objects.filter(user=user).delete()
    _, token = api_token_create(user=user, name="bench", scope="read_write", expires_in_days=7)
    scenario = sizing_services.scenario_create(
        user=user,
        name="bench threads",
        inputs={
            "kind": "inference",
            "model": "llama-3.1-8b",
            "gpu": "l40s-48gb",
            "nodes": 1,
            "inference": {"concurrent_users": 20, "prompt_tokens": 1024, "output_tokens": 256},
        },
    )
    return Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {token}"), scenario.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=15, help="per mode and round")
    args = parser.parse_args()
    client, scenario = _setup()
    serial = iter(range(10**9))

    def create() -> float:
        body = {
            "scenario": scenario,
            "customer_company": f"Threads {time.time_ns()} {next(serial)}",
            "customer_contact": "Bench",
            "customer_email": "bench@example.com",
        }
        started = time.perf_counter()
        response = client.post("/api/v1/quotes/", json.dumps(body), "application/json")
        assert response.status_code == 201, response.content[:300]
        return (time.perf_counter() - started) * 1000

    create()
    walls: dict[str, list[float]] = {
        "alone": [],
        "next to a busy thread": [],
        "next to a busy process": [],
    }
    for _ in range(3):
        for mode in walls:
            thread_stop = threading.Event()
            process_stop = multiprocessing.Event()
            thread = process = None
            if "thread" in mode:
                thread = threading.Thread(target=_spin, args=(thread_stop,), daemon=True)
                thread.start()
            elif "process" in mode:
                process = multiprocessing.Process(target=_spin, args=(process_stop,), daemon=True)
                process.start()
            try:
                time.sleep(0.2)
                walls[mode] += [create() for _ in range(args.requests)]
            finally:
                thread_stop.set()
                process_stop.set()
                if thread is not None:
                    thread.join()
                if process is not None:
                    process.join(timeout=10)
                    if process.is_alive():
                        process.kill()
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for mode, values in walls.items():
        values.sort()
        print(
            f"quote creation, {mode:24s} n={len(values)} wall median "
            f"{statistics.median(values):7.1f} ms  p90 {values[int(0.9 * len(values))]:7.1f} ms"
        )
    base = statistics.median(walls["alone"])
    thread_x = statistics.median(walls["next to a busy thread"]) / base
    process_x = statistics.median(walls["next to a busy process"]) / base
    print(f"ratio to alone: busy thread {thread_x:.2f}x, busy process {process_x:.2f}x")


if __name__ == "__main__":
    main()
