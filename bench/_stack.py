"""A private stack for the ops benches: its own PostgreSQL cluster and redis-server on spare
loopback ports in a temporary directory, gunicorn (production's deploy/gunicorn.conf.py) and a
Celery worker (pool at WORKER_NICE=10, as on one machine in production) running the production
settings. Only processes started here are ever stopped (by their own pid); the shared
PostgreSQL and Redis are never touched.

Also a small HTTP client (a connection per call; bench/_traffic.py keeps connections open) and
the figure helpers the benches print. (Over 400 lines: the whole stack, its processes and its
figures in one place, so every ops bench starts the same thing.)
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free loopback port: from HELPER_PORT_BASE … +9 when that is set (a shared machine's
    range for this user), else any the kernel gives."""
    base = os.environ.get("HELPER_PORT_BASE")
    candidates = range(int(base), int(base) + 10) if base else [0]
    for port in candidates:
        if port and port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            found = int(s.getsockname()[1])
        _HANDED_OUT.add(found)
        return found
    raise RuntimeError(f"no free port in HELPER_PORT_BASE={base} … +9")


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def as_postgres(cmd: list[str]) -> list[str]:
    return cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]


class PgCluster:
    """initdb + pg_ctl on a spare port; the socket and data live in the temp dir."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        with (self.data / "postgresql.conf").open("a") as fh:
            fh.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = on\n"
                "max_connections = 100\n"
            )

    def ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-w",
                    "-l",
                    str(self.dir / "pg.log"),
                    *args,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("stop", "-m", mode)

    def psql(self, sql: str, db: str = "postgres") -> str:
        done = subprocess.run(
            as_postgres(
                [
                    str(PG_BIN.parent / "bin" / "psql"),
                    "-h",
                    str(self.dir),
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-d",
                    db,
                    "-qtAc",
                    sql,
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def create_portal_db(self) -> str:
        self.psql("CREATE ROLE portal LOGIN SUPERUSER PASSWORD 'portal'")
        self.psql("CREATE DATABASE portal OWNER portal")
        return f"postgres://portal:portal@127.0.0.1:{self.port}/portal"


class RedisServer:
    def __init__(self, base: Path) -> None:
        self.dir = base / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
                "--save",
                "",
            ],
            stdout=(self.dir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        import redis

        wait_for(lambda: redis.Redis.from_url(self.url, socket_timeout=0.5).ping(), 15, "redis")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
            self.proc = None


@dataclass
class Stack:
    base: Path
    pg: PgCluster
    redis: RedisServer
    env: dict[str, str]
    web_port: int
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    creds: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, *, web_workers: int | None = None) -> Stack:
        base = Path(tempfile.mkdtemp(prefix="ops-bench-"))
        os.chmod(base, 0o755)  # noqa: S103 - the postgres user must reach its data dir
        pg = PgCluster(base)
        pg.start()
        db_url = pg.create_portal_db()
        redis_server = RedisServer(base)
        redis_server.start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": db_url,
            "CELERY_BROKER_URL": redis_server.url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "STORAGE_PATH": str(base / "documents"),
            "STATIC_ROOT": str(base / "static"),
            "API_RATE_SIZING": "100000/min",
            "API_RATE_WRITE": "100000/min",
            "API_RATE_READ": "100000/min",
            "LOG_LEVEL": "INFO",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        stack = cls(base, pg, redis_server, env, free_port())
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput")
        stack.manage("catalog_import", "fixtures/catalog/")
        out = subprocess.run(
            [PY, str(ROOT / "bench" / "_setup_users.py")],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        stack.creds = json.loads(out.strip().splitlines()[-1])
        stack.web_workers = web_workers
        return stack

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.base / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def roots(self) -> dict[str, int]:
        """The pid at the root of each part of the stack (bench/_cpu.py sums each tree)."""
        out = {name: proc.pid for name, proc in self.procs.items()}
        pid_file = self.pg.data / "postmaster.pid"
        if pid_file.exists():
            out["postgres"] = int(pid_file.read_text().split()[0])
        if self.redis.proc is not None:
            out["redis"] = self.redis.proc.pid
        return out

    def start_web(self) -> None:
        """gunicorn as in production (deploy/gunicorn.conf.py: sync workers, 2 per core + 1),
        on this stack's port; `web_workers` overrides the worker count."""
        cmd = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.web_port}",
        ]
        if getattr(self, "web_workers", None):
            cmd += ["--workers", str(self.web_workers)]
        self._spawn("web", cmd)
        wait_for(lambda: request(self.web_port, "GET", "/health/live")[0] == 200, 30, "gunicorn")

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "celery,pdf",
                "--concurrency=1",
                "--max-tasks-per-child=50",
                "-n",
                "bench@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env={**self.env, "WORKER_NICE": os.environ.get("WORKER_NICE", "10")},
        )
        wait_for(
            lambda: request(self.web_port, "GET", "/health/ready")[0] == 200,
            60,
            "the worker (readiness)",
        )

    def stop_proc(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self, keep: bool = False) -> None:
        for name in list(self.procs):
            self.stop_proc(name)
        self.redis.stop()
        try:
            self.pg.stop("fast")
        except subprocess.CalledProcessError:
            pass
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def documents(self) -> set[Path]:
        """The document files stored so far."""
        return set(Path(self.env["STORAGE_PATH"]).rglob("*.pdf"))

    def sql(self, query: str) -> str:
        return self.pg.psql(query, db="portal")


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, float, bytes, dict[str, str]]:
    """(status, latency ms, body, headers); status 0 for a connection error."""
    hdrs = {"Host": "127.0.0.1", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        return (
            resp.status,
            (time.perf_counter() - started) * 1000,
            payload,
            {k.lower(): v for k, v in resp.getheaders()},
        )
    except OSError:
        return 0, (time.perf_counter() - started) * 1000, b"", {}
    finally:
        conn.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary_table(samples: dict[str, list[tuple[int, float]]], seconds: float) -> str:
    """Markdown table: per kind n, ok, errors (non-2xx), p50, p99, max; and the total."""
    lines = [
        "| kind | requests | 2xx | errors | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = ok_total = 0
    for kind, rows in samples.items():
        lat = [ms for _, ms in rows]
        ok = sum(1 for status, _ in rows if 200 <= status < 300)
        total += len(rows)
        ok_total += ok
        lines.append(
            f"| {kind} | {len(rows)} | {ok} | {len(rows) - ok} | {pct(lat, 50):.1f} | "
            f"{pct(lat, 99):.1f} | {max(lat) if lat else float('nan'):.1f} |"
        )
    lines.append(f"| **all** | {total} | {ok_total} | {total - ok_total} | | | |")
    lines.append("")
    lines.append(
        f"throughput: {total / seconds:.2f} req/s over {seconds:.0f} s "
        f"({ok_total / seconds:.2f} 2xx/s)"
    )
    return "\n".join(lines)


def machine() -> str:
    import django

    mem_kb = next(
        int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")
    )
    pg = subprocess.run(
        [str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    redis_v = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()[2]
    import celery
    import gunicorn

    return (
        f"nproc {os.cpu_count()}, {mem_kb // 1024} MiB RAM, Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}, gunicorn {gunicorn.__version__}, "
        f"Celery {celery.__version__}, {pg}, Redis {redis_v}"
    )


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")
