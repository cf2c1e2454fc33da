"""Real processes for the multi-machine and fault tests: web replicas (gunicorn) and Celery
workers running the production settings, each in its own working directory (nothing shared
through the disk but what the settings point at), plus private PostgreSQL / Redis / S3-like
servers for the tests that break them. Only processes started here are ever stopped (by their
own pid); the shared PostgreSQL and Redis are never touched.

Ports: HELPER_PORT_BASE..+9 when set (several engineers share one machine; under pytest-xdist
each worker its share), else free ones. Broker keys: the test process's prefix
(CELERY_BROKER_KEY_PREFIX), so a production worker started here takes only this process's tasks.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_cursor = 0


def _own_ports() -> list[int]:
    """HELPER_PORT_BASE..+9, or under pytest-xdist this worker's share of them (gw0 the first
    10/n, gw1 the next…), so parallel test processes never pick the same port."""
    base = int(os.environ["HELPER_PORT_BASE"])
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    share = 10 // workers  # none with more than ten processes: all the kernel's
    return [base + index * share + i for i in range(share)]


def port() -> int:
    """A loopback port nobody listens on: the next free one of this process's own ports
    (round robin, so a port just released is used last), else one the kernel picks (as in
    CI, where HELPER_PORT_BASE is unset: a port of the ephemeral range, which no one's
    HELPER_PORT_BASE range is in). With four test processes each has two of the ten ports
    and a test of two replicas needs four: the rest are the kernel's."""
    global _cursor
    own = _own_ports() if os.environ.get("HELPER_PORT_BASE") else []
    candidates = [own[(_cursor + i) % len(own)] for i in range(len(own))] + [0]
    for candidate in candidates:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            chosen = int(sock.getsockname()[1])
        if candidate:
            _cursor = (own.index(chosen) + 1) % len(own)
        return chosen
    raise RuntimeError("the kernel found no free loopback port")


def wait_until(check: Callable[[], Any], timeout: float, what: str, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a worker's pool, gunicorn's workers), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry))
    return found


def current_database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database), for
    the processes a test starts."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def production_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """What a web replica or a worker of the production topology is given (README)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "TEST_", "PYTEST_", "CACHE_"))
    }
    from django.conf import settings

    env.update(
        {
            "CELERY_BROKER_KEY_PREFIX": settings.CELERY_BROKER_TRANSPORT_OPTIONS[
                "global_keyprefix"
            ],
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "CACHE_URL": redis_url,
            "CACHE_KEY_PREFIX": f"stack-{secrets.token_hex(4)}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "plain",
        }
    )
    env.update(extra)
    return env


@dataclass
class Process:
    """One service process in its own working directory, logging to `log`."""

    name: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self) -> Process:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                self.argv,
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: SIGKILL reaches every child
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, sig: int) -> None:
        """Send `sig` to the process and all its children (gunicorn/celery pool processes)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    def kill_all(self) -> None:
        """SIGKILL the whole process group: a machine lost at once."""
        if self.proc is None:
            return
        try:
            self.signal_group(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_all()
                return
        try:  # children left behind (a pool process) go with their group
            self.signal_group(signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc = None


def web(name: str, env: dict[str, str], workdir: Path, *, workers: int = 2) -> Process:
    """A web replica: gunicorn with the production settings on its own port."""
    bound = port()
    return Process(
        name,
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{bound}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
        ],
        env,
        workdir,
        port=bound,
    )


def worker(name: str, env: dict[str, str], workdir: Path, *, beat: bool = False) -> Process:
    """A Celery worker of every queue (`-B`: with the beat schedule, i.e. the sweeper)."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        "celery,pdf",
        "--concurrency=1",
        "-n",
        f"{name}-{secrets.token_hex(3)}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    if beat:
        argv += ["-B", "--schedule", str(workdir / "beat-schedule")]
    return Process(name, argv, env, workdir)


def static_root(env: dict[str, str]) -> Path:
    """The collected static files of the production settings (hashed and compressed names),
    made once per content of static/, of the locked packages and of the settings (the base's
    STATICFILES_DIRS, the production's storage) and kept under var/: a collectstatic takes
    minutes on a busy machine. Shared read-only, as the image's are."""
    import hashlib
    import shutil
    import tempfile

    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes())
    for settings in ("base.py", "production.py"):  # what is collected, and how
        digest.update((ROOT / "config" / "settings" / settings).read_bytes())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    target = ROOT / "var" / "test-static" / digest.hexdigest()[:16]
    if (target / "staticfiles.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time (~13 s of CPU each): the suite's long tests start together, so in a
    # clean clone the two tests that need these files (test_two_replicas,
    # test_fault_postgres_restart) each built them, side by side; the second now waits for the
    # first's and uses it.
    with build_lock(target.parent, "the static files' build lock"):
        if (target / "staticfiles.json").exists():
            return target
        building = Path(tempfile.mkdtemp(dir=target.parent, prefix=".building-"))
        manage({**env, "STATIC_ROOT": str(building)}, "collectstatic", "--noinput")
        try:
            building.rename(target)
        except OSError:  # another session made it meanwhile
            shutil.rmtree(building, ignore_errors=True)
    return target


STATIC_BUILD_SECONDS = 600  # a collectstatic takes ~13 s of CPU; minutes on a loaded machine


@contextmanager
def build_lock(directory: Path, what: str) -> Iterator[None]:
    """Hold `directory`'s build lock (a file lock: among the suite's processes, and another
    session's in the same clone): something kept under var/ is built by one process while the
    others wait for it, then find it built. A bounded wait: a builder that hangs fails the
    waiting test too, not the whole run."""
    import fcntl

    def acquired() -> bool:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    with open(directory / ".lock", "w") as lock:
        wait_until(acquired, STATIC_BUILD_SECONDS, what)
        yield  # closing the file releases the lock


def manage(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = STATIC_BUILD_SECONDS
) -> str:
    """Run a management command; fail (never wait for ever) if it has not ended in `timeout`."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=cwd or ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"manage.py {' '.join(args)} did not finish within {timeout:.0f}s"
        ) from exc
    if done.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Browser:
    """A tiny HTTP client with a cookie jar (kept by name only: the production cookies are
    `Secure`, and these tests talk plain HTTP on loopback)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        port_: int,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        hdrs = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data: bytes | None = None
        if body is not None:
            data, hdrs["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            from urllib.parse import urlencode

            data = urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port_, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            for key, value in resp.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Response(resp.status, payload, {k.lower(): v for k, v in resp.getheaders()})
        finally:
            conn.close()

    def csrf_from(self, page: bytes) -> str:
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, "no CSRF token on the page"
        return found.group(1).decode()

    def login(self, port_: int, username: str, password: str) -> None:
        page = self.request(port_, "GET", "/accounts/login/")
        assert page.status == 200, page.status
        answer = self.request(
            port_,
            "POST",
            "/accounts/login/",
            form={
                "csrfmiddlewaretoken": self.csrf_from(page.body),
                "username": username,
                "password": password,
            },
        )
        assert answer.status == 302, (answer.status, answer.body[:500])


def http_ok(port_: int, path: str = "/health/live") -> bool:
    try:
        return Browser().request(port_, "GET", path, timeout=5).status == 200
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of the test's own (AOF on, as in production) on one of its ports."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        import shutil

        with (self.dir / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
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
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self.ping, 15, "the private redis-server", self.dir / "redis.log")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
            self.proc = None


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """initdb + pg_ctl of the test's own cluster (socket and data in its directory), for the
    tests that stop or crash PostgreSQL."""

    def __init__(self) -> None:
        import shutil
        import tempfile

        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # the postgres user. remove() deletes it.
        self.dir = Path(tempfile.mkdtemp(prefix="test-pg-"))
        os.chmod(self.dir, 0o755)  # noqa: S103 - the postgres user must reach its data
        self.data = self.dir / "data"
        self.port = port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as fh:
            fh.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = on\nmax_connections = 100\n"
            )
        self.url = f"postgres://portal:portal@127.0.0.1:{self.port}/portal"

    @staticmethod
    def _as_postgres(cmd: list[str]) -> list[str]:
        return cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]

    def _run(self, cmd: list[str], *more: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed argv
            self._as_postgres([*cmd, *more]),
            check=True,
            capture_output=True,
            text=True,
            timeout=180,  # initdb, pg_ctl -w (its own 60 s), psql: never a wait for ever
        )
        return done.stdout

    def ctl(self, *args: str) -> None:
        self._run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.dir / "pg.log")],
            *args,
        )

    def start(self) -> PrivatePostgres:
        self.ctl("start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self.ctl("stop", "-m", mode)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, db: str = "portal") -> str:
        return self._run(
            [
                str(PG_BIN / "psql"),
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
        ).strip()

    def remove(self) -> None:
        """Stop the server if it runs, and delete its directory."""
        import shutil

        if self.running():
            self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_portal_db(self) -> str:
        self.psql("CREATE ROLE portal LOGIN SUPERUSER PASSWORD 'portal'", db="postgres")
        self.psql("CREATE DATABASE portal OWNER portal", db="postgres")
        return self.url


def set_production_password(user: Any, password: str) -> None:
    """Give `user` a password the production settings can check (the test settings hash with
    MD5 for speed, which production does not accept)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(8), iterations=1000)
    user.save(update_fields=["password"])
