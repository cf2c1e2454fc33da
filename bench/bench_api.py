"""Throughput and latency of POST /api/v1/sizing/ (a one-node inference sizing) next to a
trivial authenticated endpoint (GET /api/v1/me/), measured in the same run against the same
gunicorn — their ratio is what an engine run costs on top of the framework.

What it does:
1. creates a throw-away PostgreSQL database `<name>_bench` named after DATABASE_URL's database
   (through the `postgres` maintenance database; dropped first if it exists), migrates it,
   imports the catalog and makes a partner user with a read-only API token (sizing is allowed
   with read-only tokens);
2. starts gunicorn with production's config (deploy/gunicorn.conf.py: sync workers, each
   freezing its start-up heap for the garbage collector; `--gc-freeze off` sets
   WEB_GC_FREEZE=0 for an A/B) with 2 workers on 127.0.0.1 and those settings, rate limits
   lifted (API_RATE_*), DEBUG off, logging at WARNING;
3. drives each endpoint with a load generator for at most --duration seconds and at most
   --requests requests, after a short warm-up: `wrk` (Debian package `wrk`; a Lua script
   sends the body and token and prints percentiles) when it is installed, otherwise a Python
   generator (threads, one keep-alive http.client connection each). --generator picks one;
4. prints requests/s, p50 and p99 for each, and the ratios; stops gunicorn and drops the
   database. /sizing/ is driven twice: with the same workload every time (answered from the
   answers kept per process, apps/api/sizing_memo.py, after the first) and with a distinct
   workload every request (prompt_tokens 1001, 1002, …: the engine runs every time; always
   from the Python generator, as wrk sends one body). The distinct run is the acceptance
   figure: the honest per-request cost;
5. prints the CPU time per request of each endpoint — the acceptance figure of issue 16
   (`/me/` ≤ 1.3 ms, `/sizing/` ≤ 1.3× `/me/`): the user + system CPU time of the gunicorn
   worker processes (`/proc/<pid>/stat`, utime + stime, read before and after each endpoint's
   run) divided by the number of requests answered. Unlike latency or throughput this does not
   depend on how much CPU the load generator or other processes take from the workers.

Settings are production's (`config.settings.production`: DEBUG off, access log on, the shared
Redis cache at CACHE_URL or CELERY_BROKER_URL), HTTPS redirect off for loopback HTTP.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_api \\
        .venv/bin/python bench/bench_api.py [--duration 30] [--requests 3000] [--connections 4]

The load generator runs on the same machine and competes with gunicorn for CPU: latencies and
requests/s are a lower bound, comparable within one run; CPU per request is not affected.
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://portal:portal@127.0.0.1:5432/portal_api"
WORKLOAD = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 1,
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300},
}
UNLIMITED = "1000000/s"
SERIAL = itertools.count()  # distinct workloads: a number per request over the whole run


def distinct_workload(n: int) -> str:
    """WORKLOAD with prompt_tokens 1001 + n: every request of the run a new workload (the
    answers kept per process, apps/api/sizing_memo.py, never help), all on one node."""
    workload = json.loads(json.dumps(WORKLOAD))
    workload["inference"]["prompt_tokens"] = 1001 + n
    return json.dumps(workload)


# --- database and token ------------------------------------------------------------------


def wsgi_caller(application: Any, token: str) -> Any:
    """`call(method, path, body=b"")`: one request with the bearer token through a WSGI
    application called directly (no server, no socket), raising SystemExit on any answer but
    200 (the in-process benches: bench_api_stages.py, bench_api_callgrind.py, bench_gc.py)."""

    def call(method: str, path: str, body: bytes = b"") -> None:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        statuses: list[str] = []
        out = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(out)
        out.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{method} {path}: {statuses[0]}")

    return call


def bench_settings(database_url: str) -> dict[str, str]:
    """Production settings for a bench on loopback: DEBUG off, HTTPS redirect off, logging
    at WARNING, rate limits lifted, the given database."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-" + "k3V9-qLr2" * 7,
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "API_RATE_READ": UNLIMITED,
        "API_RATE_WRITE": UNLIMITED,
        "API_RATE_SIZING": UNLIMITED,
    }


def bench_database_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    return urlunsplit(parts._replace(path="/" + name)), name


def recreate_database(url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str]) -> str:
    """Migrate, import the catalog, make a user and token; returns the token."""
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        f"call_command('catalog_import', {str(ROOT / 'fixtures' / 'catalog')!r}, verbosity=0)\n"
        "from apps.accounts.services import organization_get_or_create, user_create, "
        "api_token_create\n"
        "org = organization_get_or_create('Bench Partner', 'partner')[0]\n"
        "user = user_create(username='bench', password='bench-password-1', organization=org, "
        "role='partner')\n"
        "print(api_token_create(user=user, name='bench', scope='read', expires_in_days=7)[1])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    from _stack import free_port as stack_free_port  # HELPER_PORT_BASE aware

    return stack_free_port()


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),  # production's config and hooks
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/schema/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


# --- CPU time of the workers -----------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: processes whose parent is the master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of `pids`, seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


# --- load generators ---------------------------------------------------------------------

LUA = """
wrk.method = "%(method)s"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
%(body)s
local count, limit = 0, %(per_thread)d
response = function(status, headers, body)
  count = count + 1
  if count >= limit then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50_ms": %%f, '
    .. '"p99_ms": %%f, "errors": %%d, "non2xx": %%d}\\n', summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def run_wrk(url: str, method: str, body: str | None, token: str, args: Any) -> dict[str, Any]:
    threads = min(2, args.connections)
    lua = LUA % {
        "method": method,
        "token": token,
        "body": f"wrk.body = {json.dumps(body)}" if body else "",
        "per_thread": max(1, args.requests // threads),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(args.connections),
                "-d",
                f"{args.duration}s",
                "--timeout",
                "10s",
                "-s",
                fh.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 30,
        ).stdout
    finally:
        os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def run_python(url: str, method: str, body: Any, token: str, args: Any) -> dict[str, Any]:
    parts = urlsplit(url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration
    remaining = [args.requests]

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine: list[float] = []
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            payload = body(next(SERIAL)) if callable(body) else body
            conn.request(method, parts.path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 300:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "errors": 0,
        "non2xx": errors[0],
    }


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per endpoint (max)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per endpoint (max)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--gc-freeze", choices=["on", "off"], default="on", help="WEB_GC_FREEZE of the workers"
    )
    args = parser.parse_args()
    generator = (
        ("wrk" if shutil.which("wrk") else "python") if args.generator == "auto" else args.generator
    )
    run = run_wrk if generator == "wrk" else run_python

    admin_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    url, name = bench_database_url(admin_url)
    env = {
        **os.environ,
        **bench_settings(url),
        "WEB_GC_FREEZE": "1" if args.gc_freeze == "on" else "0",
    }
    recreate_database(admin_url, name)
    proc = None
    try:
        token = prepare(env)
        port = free_port()
        proc = start_gunicorn(env, port, Path(tempfile.gettempdir()) / "bench_api_gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        body = json.dumps(WORKLOAD)
        cases = [
            ("GET /health/live (no Django view)", f"{base}/health/live", "GET", None),
            ("GET /api/v1/me/ (trivial)", f"{base}/api/v1/me/", "GET", None),
            ("POST /api/v1/sizing/ (1-node, same)", f"{base}/api/v1/sizing/", "POST", body),
            (
                "POST /api/v1/sizing/ (1-node, distinct)",
                f"{base}/api/v1/sizing/",
                "POST",
                distinct_workload,
            ),
        ]
        warm = argparse.Namespace(duration=2, requests=200, connections=2)
        for _, target, method, payload in cases:
            run_python(target, method, payload, token, warm)
        pids = worker_pids(proc.pid)
        results = {}
        for label, target, method, payload in cases:
            before = cpu_seconds(pids)
            # wrk sends one body: distinct workloads always come from the Python generator
            results[label] = (run_python if callable(payload) else run)(
                target, method, payload, token, args
            )
            results[label]["cpu_ms"] = (
                (cpu_seconds(pids) - before) * 1000 / results[label]["requests"]
            )
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        recreate_database(admin_url, name, drop_only=True)

    print(
        f"gunicorn (deploy/gunicorn.conf.py, gc freeze {args.gc_freeze}): 2 sync workers on "
        f"127.0.0.1, PostgreSQL; load generator: {generator}, "
        f"{args.connections} connections, ≤ {args.duration} s and ≤ {args.requests} "
        f"requests per endpoint; CPUs: {os.cpu_count()}"
    )
    print(
        f"{'endpoint':40} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'CPU ms/req':>11}"
    )
    for label, r in results.items():
        print(
            f"{label:40} {r['requests']:9d} {r['rps']:9.1f} {r['p50_ms']:8.2f} "
            f"{r['p99_ms']:8.2f} {r['errors'] + r['non2xx']:7d} {r['cpu_ms']:11.3f}"
        )
    _, trivial, same, distinct = results.values()
    print(
        f"ratio trivial/sizing (distinct workloads): {trivial['rps'] / distinct['rps']:.1f}× the "
        f"requests/s, sizing p50 {distinct['p50_ms'] / trivial['p50_ms']:.1f}× and "
        f"p99 {distinct['p99_ms'] / trivial['p99_ms']:.1f}× the trivial endpoint's"
    )
    print(
        f"CPU per request: /me/ {trivial['cpu_ms']:.3f} ms (target ≤ 1.3); /sizing/ with "
        f"distinct workloads (the engine every time; the acceptance figure) "
        f"{distinct['cpu_ms']:.3f} ms = {distinct['cpu_ms'] / trivial['cpu_ms']:.2f}× /me/ "
        f"(target ≤ 1.3×); the same workload repeated (the answer kept per process) "
        f"{same['cpu_ms']:.3f} ms = {same['cpu_ms'] / trivial['cpu_ms']:.2f}× /me/"
    )
    return 1 if any(r["errors"] or r["non2xx"] for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
