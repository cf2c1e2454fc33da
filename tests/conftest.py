"""Project-wide test fixtures.

`REQUIRE_SERVICES=1` (set by .ci/run) makes a missing PostgreSQL, Redis or Celery worker a test
failure instead of a skip, so CI can never pass by skipping the real stack.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests import dbflush, dbtemplate
from tests.schedule import (  # noqa: F401 - hooks: the long tests first under pytest-xdist
    pytest_collection_modifyitems,
    pytest_runtest_setup,
    pytest_runtest_teardown,
)
from tests.stack import children

ROOT = Path(__file__).resolve().parent.parent

# Hypothesis profiles for the whole suite (HYPOTHESIS_PROFILE; .ci/run sets ci): examples per
# property where a test does not choose (the engine's properties); tests that choose their own
# count scale it by the same profile (tests/sizing/test_parity.py, tests/api/test_schemathesis.py).
hypothesis_settings.register_profile("ci", max_examples=500, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=50, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)  # by hand
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
dbflush.install()  # transactional tests' flush: DELETE, not a 1.3-s TRUNCATE of 41 tables
dbtemplate.install()  # test databases cloned from one migrated template, not each migrated


def require_or_skip(available: bool, what: str) -> None:
    """Skip locally when a service is missing; fail in CI."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def redis_available() -> bool:
    import redis
    from django.conf import settings

    try:
        return bool(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def postgres(db: None) -> None:
    """The test runs on PostgreSQL (CI) — skipped locally on SQLite."""
    from django.db import connection

    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_broker() -> str:
    """A reachable Redis broker; returns its URL."""
    from django.conf import settings

    require_or_skip(redis_available(), f"Redis at {settings.CELERY_BROKER_URL}")
    return str(settings.CELERY_BROKER_URL)


class WorkerProcess:
    """A real `celery worker` subprocess bound to the test database and the Redis broker."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                "celery,pdf",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        from config.celery_app import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log_path}")
            if app.control.ping(timeout=0.5, limit=1):  # back on the first answer
                return
        raise RuntimeError(f"celery worker did not answer within {timeout}s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: the end of a test, with nothing
        left to finish (a warm shutdown spends ~2.5 s in the pool's joins, a cold one too)."""
        if self.proc is None:
            return
        pids = [self.proc.pid, *children(self.proc.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc = None

    def stop(self, sig: int | None = None) -> None:
        if self.proc is None:
            return
        if sig is None:
            self.proc.terminate()
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def celery_worker(
    transactional_db: None, redis_broker: str, tmp_path: Path
) -> Iterator[WorkerProcess]:
    """Start a real Celery worker against the test database (transactional, so the worker sees
    committed rows) and Redis; tasks are sent through the broker, not run in-process."""
    yield from _celery_worker(redis_broker, tmp_path, start=True)


@pytest.fixture
def celery_worker_not_started(
    transactional_db: None, redis_broker: str, tmp_path: Path
) -> Iterator[WorkerProcess]:
    """`celery_worker`, not started yet: for a test whose jobs must wait in the broker before
    any worker runs (starting one only to stop it costs ~3 s, and its warm stop ~2.5 s)."""
    yield from _celery_worker(redis_broker, tmp_path, start=False)


def _celery_worker(redis_broker: str, tmp_path: Path, *, start: bool) -> Iterator[WorkerProcess]:
    from django.conf import settings
    from django.db import connection

    from config.celery_app import app

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    else:
        url = f"sqlite:///{db['NAME']}"
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL for the worker's database")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": redis_broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # The print template this test renders (`one_page_document` asks for the one-page
        # one before the worker starts), unless the test chose the worker's own.
        "TEST_PDF_TEMPLATE": os.environ.get("TEST_PDF_TEMPLATE") or settings.QUOTES_PDF_TEMPLATE,
        # Celery's Django fixup runs Django's system checks at every worker start and ignores
        # what they find (celery/fixups/django.py validate_models): ~0.25 s of CPU a start,
        # most of it importing the URLconf and its views, which no task needs. The suite runs
        # the checks itself (`manage.py check`, tests/core/test_settings.py).
        "CELERY_SKIP_CHECKS": "1",
    }
    old_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        if start:
            worker.start()
        yield worker
    finally:
        worker.kill()  # also when start() failed: never leave an orphaned worker behind
        app.conf.task_always_eager = old_eager


@pytest.fixture
def tasks_to_broker(redis_broker: str) -> Iterator[Callable[[str], int]]:
    """Tasks are sent to the Redis broker, as production sends them (config.settings.base), not
    run inside the request as the suite's eager default does, and no worker takes them: a
    request that asks for a PDF answers without rendering it. Returns `waiting(queue)`, the
    messages in this process's queue ("pdf", "celery"); this process's queues are emptied
    before and after the test (their keys carry its prefix), so nothing is left for a later
    test's worker."""
    from config.celery_app import app

    def waiting(queue: str) -> int:
        with app.connection_for_write() as conn:
            return int(conn.default_channel._size(queue))

    def purge() -> None:
        with app.connection_for_write() as conn:
            for queue in ("celery", "pdf"):
                conn.default_channel.queue_purge(queue)

    old_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    purge()
    try:
        yield waiting
    finally:
        purge()
        app.conf.task_always_eager = old_eager


CATALOG_DIR = ROOT / "fixtures" / "catalog"


@pytest.fixture(autouse=True)
def _empty_shared_cache() -> Iterator[None]:
    """Every test starts with an empty shared cache, as with an empty database: what a test
    cached (token authentications, the catalog revision, throttle counters, the price book
    kept per revision) must not outlive the rows its transaction rolls back."""
    from django.core.cache import cache

    from apps.api import sizing_memo
    from apps.catalog.selectors import per_revision_clear
    from apps.quotes.services import pdf_jobs

    cache.clear()
    pdf_jobs.unstored_clear()  # documents kept in this process for a storage retry
    per_revision_clear()  # the per-process price book/prices, kept per catalog revision
    sizing_memo.clear()  # POST /api/v1/sizing/ answers kept per process
    yield


# A share token after /q/, or an API token's secret after its public prefix, not redacted.
SECRET_IN_LOG = re.compile(
    r"/q/(?!\[redacted\])[A-Za-z0-9_-]{16,}|szp_[A-Za-z0-9]{8}_(?!\[redacted\])[A-Za-z0-9_-]{6,}"
)


class LogLeakWatch(logging.Handler):
    """Formats every record as the console handler writes it (its filters and formatter:
    what production logs) and keeps the lines that still carry a token."""

    def __init__(self) -> None:
        super().__init__()
        self.leaks: list[str] = []
        console = next((h for h in logging.getLogger().handlers if h.filters and h.formatter), None)
        if console is not None:
            self.filters = list(console.filters)
            self.setFormatter(console.formatter)

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if SECRET_IN_LOG.search(line):
            self.leaks.append(line)


@pytest.fixture(scope="session")
def _log_leak_watch() -> Iterator[LogLeakWatch]:
    watch = LogLeakWatch()
    logging.getLogger().addHandler(watch)
    yield watch
    logging.getLogger().removeHandler(watch)


@pytest.fixture(autouse=True)
def _no_token_in_any_log_line(_log_leak_watch: LogLeakWatch) -> Iterator[None]:
    """Issue 13: no share token or API token appears in any log line of the suite."""
    before = len(_log_leak_watch.leaks)
    yield
    leaked = _log_leak_watch.leaks[before:]
    assert not leaked, f"a token reached the log: {leaked[:3]}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load the real catalog once per test database (pytest-django runs transactional tests,
    which flush it, after the others; `full_catalog` reloads it for those).

    At the end, before pytest-django drops the test database, the sessions still open on it
    are ended: the live server's request threads keep theirs while Chromium holds its
    keep-alive sockets (both are torn down after the database), and PostgreSQL's DROP DATABASE
    waits 5 s for other sessions, then fails, leaving the database behind for the next run
    (every process, at the end of every run: bench/RESULTS.md, "Test suite, session 7")."""
    from django.db import connections

    from apps.catalog.services import catalog_import

    with django_db_blocker.unblock():
        catalog_import(CATALOG_DIR)
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )


@pytest.fixture
def full_catalog(db: None) -> None:
    """The complete catalog of fixtures/catalog/ (reloaded if a transactional test flushed it)."""
    from apps.catalog.models import Part
    from apps.catalog.services import catalog_import

    if not Part.objects.exists():
        catalog_import(CATALOG_DIR)


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    """Generated documents go to a per-test directory."""
    settings.MEDIA_ROOT = tmp_path / "documents"
    return settings.MEDIA_ROOT


ONE_PAGE_DOCUMENT = "tests/one_page_document.html"


@pytest.fixture
def one_page_document(settings) -> str:  # type: ignore[no-untyped-def]
    """Quotes' documents rendered from a one-page template (tests/templates/): for the tests
    whose subject is what happens around a render (jobs, retries, leases, storage, downloads,
    pages that link the document), not the document. Still a real render of the quote's
    document context through `apps.quotes.pdf` (fonts, print stylesheet, fetcher),
    ~0.05 s of CPU instead of ~1-3 s for the 20-page document, which the document's own
    tests render."""
    settings.QUOTES_PDF_TEMPLATE = ONE_PAGE_DOCUMENT
    return ONE_PAGE_DOCUMENT


@pytest.fixture
def book(full_catalog: None):  # type: ignore[no-untyped-def]
    """The SAMPLE-USD price book of the full catalog."""
    from tests.quotes import factories

    return factories.load_catalog()


SERVICE_SKIP_WORDS = ("not available", "PostgreSQL", "Redis", "Chromium", "worker")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Say loudly how many tests were skipped for want of a service (a green local run without
    PostgreSQL, Redis, a worker or Chromium is not a CI run) and how to run them."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = [
        r
        for r in skipped
        if any(word in str(getattr(r, "longrepr", "")) for word in SERVICE_SKIP_WORDS)
    ]
    if not missing:
        return
    browser = sum(1 for r in missing if "Chromium" in str(r.longrepr) or "browser" in r.nodeid)
    terminalreporter.write_sep("!", "NOT A CI RUN", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(missing)} test(s) SKIPPED because a service is missing "
        f"({len(missing) - browser} need PostgreSQL/Redis/a Celery worker, "
        f"{browser} need Chromium).",
        red=True,
        bold=True,
    )
    terminalreporter.write_line(
        "Run them like CI (installs and starts PostgreSQL, Redis and Chromium): sudo bash .ci/run",
        bold=True,
    )
    terminalreporter.write_line(
        "or against running services: DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… "
        "REQUIRE_SERVICES=1 CHROMIUM_PATH=/usr/bin/chromium ./scripts/test.sh",
        bold=True,
    )


# Under pytest-xdist the schemathesis operations run in several processes, so the module's own
# count check (tests/api/test_schemathesis.py::test_enough_requests_were_generated) sees only
# its process's share and skips; each process hands its count to the controlling process,
# which applies the same check to the whole run.
_SCHEMATHESIS: dict[str, object] = {"requests": 0, "seen": set(), "operations": set(), "min": 0}


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    config = session.config
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker
        module = sys.modules.get("tests.api.test_schemathesis")
        if module is not None and module.SEEN:
            config.workeroutput["schemathesis"] = {
                "requests": module.SENT["requests"],
                "seen": sorted(module.SEEN),
                "operations": sorted(
                    f"{op.ok().method.upper()} {op.ok().path}"
                    for op in module.schema.get_all_operations()
                ),
                "min": module.MIN_REQUESTS,
            }
        return
    seen, operations = _SCHEMATHESIS["seen"], _SCHEMATHESIS["operations"]
    if not operations or not operations <= seen:  # type: ignore[operator]
        return  # not under xdist, or only part of the operations ran (-k)
    line = f"schemathesis: {_SCHEMATHESIS['requests']} requests over {len(operations)} operations"  # type: ignore[arg-type]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if _SCHEMATHESIS["requests"] < _SCHEMATHESIS["min"]:  # type: ignore[operator]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        line += f": FAILED, fewer than {_SCHEMATHESIS['min']}"
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(line)


def pytest_testnodedown(node, error):  # type: ignore[no-untyped-def]
    """pytest-xdist: a worker finished; add its schemathesis count."""
    out = getattr(node, "workeroutput", {}).get("schemathesis")
    if out:
        _SCHEMATHESIS["requests"] += out["requests"]  # type: ignore[operator]
        _SCHEMATHESIS["seen"] |= set(out["seen"])  # type: ignore[operator]
        _SCHEMATHESIS["operations"] = set(out["operations"])
        _SCHEMATHESIS["min"] = out["min"]
