"""Latency of the wizard's htmx result update (issue: median under 100 ms for a one-node
inference sizing).

Runs the real stack in-process — URL routing, session auth, the form, the engine through
`gateway.size`, the price book, templates with the three SVGs — through Django's test
Client, against a throw-away SQLite database with the catalog fixtures imported. Each request
asks for a different user count (5…64 users: one L40S node), so every answer is a fresh
sizing, and carries the htmx headers of a value change (`HX-Target: result`).

    .venv/bin/python bench/bench_wizard.py [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)


def _client():  # noqa: ANN202 - django.test.Client
    from django.test import Client

    from apps.accounts.choices import OrganizationKind, Role
    from apps.accounts.services import organization_get_or_create, user_create

    org = organization_get_or_create("Bench", OrganizationKind.SELLER)[0]
    user = user_create(
        username="bench", password="bench-password-1", organization=org, role=Role.SALES
    )
    client = Client()
    client.force_login(user)
    return client


def _measure(client, query: dict[str, str], n: int, vary: str, values: list[int]) -> list[float]:
    headers = {"HX-Request": "true", "HX-Target": "result", "HX-Current-URL": "/sizing/"}
    timings = []
    for i in range(n):
        params = {**query, vary: str(values[i % len(values)])}
        started = time.perf_counter()
        response = client.get("/sizing/", params, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        body = response.content.decode()
        if response.status_code != 200 or 'class="status"' not in body:
            raise SystemExit(f"unexpected answer {response.status_code}: {body[:300]}")
        if "in 1 node" not in body:
            raise SystemExit(f"not a one-node sizing for {params}")
    return timings


def _report(name: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p95 = ordered[int(round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    print(
        f"{name}: n={len(ordered)} median={median:.1f} ms p95={p95:.1f} ms "
        f"mean={statistics.fmean(ordered):.1f} ms min={ordered[0]:.1f} ms "
        f"max={ordered[-1]:.1f} ms"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "bench.sqlite3"))
        client = _client()
        one_node = {
            "kind": "inference",
            "model": "llama-3.1-8b",
            "gpu": "l40s-48gb",
            "fabric": "infiniband",
            "prompt_tokens": "1024",
            "output_tokens": "256",
        }
        users = list(range(5, 65))
        _measure(client, one_node, 20, "users", users)  # warm-up: snapshot, templates
        median = _report(
            "htmx result update, one-node inference (L40S, Llama 3.1 8B)",
            _measure(client, one_node, args.requests, "users", users),
        )
        _report(
            "  for comparison, GPU 'auto' (6 GPU x fabric options sized per request)",
            _measure(
                client,
                {**one_node, "gpu": "auto", "fabric": "auto"},
                max(50, args.requests // 4),
                "users",
                users,
            ),
        )
        verdict = "OK" if median < 100 else "TOO SLOW"
        print(f"target: median < 100 ms for the one-node update -> {verdict}")


if __name__ == "__main__":
    main()
