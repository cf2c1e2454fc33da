"""Production's gunicorn (deploy/gunicorn.conf.py) as it runs: sync worker processes, 2 per
core + 1; and the PDF pool's lower priority (WORKER_NICE, config/celery_app.py)."""

from __future__ import annotations

import http.client
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stack import children, port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name in ("WEB_WORKERS", "WEB_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_workers_follow_the_cores(monkeypatch):
    conf = _conf(monkeypatch)
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["worker_class"] == "sync"
    assert conf["bind"] == "0.0.0.0:8000"
    conf = _conf(monkeypatch, WEB_WORKERS="3", WEB_BIND="127.0.0.1:9000")
    assert (conf["workers"], conf["bind"]) == (3, "127.0.0.1:9000")


def _gunicorn_argv(bound: int) -> list[str]:
    """gunicorn with the production config (deploy/gunicorn.conf.py) on 127.0.0.1:``bound``."""
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        str(CONF),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{bound}",
    ]


def test_gunicorn_serves_with_the_config(tmp_path):
    bound = port()
    env = {**os.environ, "WEB_WORKERS": "2"}
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        _gunicorn_argv(bound),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", bound, timeout=10)
                conn.request("GET", "/health/live")
                first = conn.getresponse()
                first.read()
                break
            except OSError:
                time.sleep(0.3)
        assert first.status == 200
        assert first.will_close  # a sync worker answers one request per connection
        conn.close()
        for _ in range(3):
            again = http.client.HTTPConnection("127.0.0.1", bound, timeout=10)
            again.request("GET", "/health/live")
            assert again.getresponse().status == 200
            again.close()
        assert len(children(server.pid)) == 2
        assert "Using worker: sync" in (tmp_path / "gunicorn.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_worker_pool_processes_run_at_worker_nice():
    """The handler is connected to Celery's worker_process_init (sent in each pool process)."""
    code = (
        "import os\n"
        "from celery.signals import worker_process_init\n"
        "import config.celery_app\n"
        "before = os.nice(0)\n"
        "worker_process_init.send(sender=None)\n"
        "print(os.nice(0) - before)\n"
    )
    for nice, expected in (("10", "10"), ("", "0")):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "WORKER_NICE": nice},
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == expected, done.stderr


def _worker_start(**env: str) -> list[str]:
    """Run the config's post_worker_init hook in a fresh process that has loaded the app, as a
    gunicorn worker does, first with WEB_GC_FREEZE=0 (the step off: nothing loaded, nothing
    frozen, so the second call starts from a fresh worker's heap), then as configured; prints
    for each the objects frozen, whether the views are imported, and the objects a full
    collection then walks. One process, not one for each: a Django start-up is ~1.5 s of CPU."""
    code = (
        "import gc, os, runpy, sys\n"
        "import django; django.setup()\n"
        f"hook = runpy.run_path({str(CONF)!r})['post_worker_init']\n"
        "for freeze in ('0', None):\n"
        "    os.environ.pop('WEB_GC_FREEZE', None)\n"
        "    if freeze is not None:\n"
        "        os.environ['WEB_GC_FREEZE'] = freeze\n"
        "    hook(None)\n"
        "    print(gc.get_freeze_count())\n"
        "    print('apps.api.views' in sys.modules)\n"
        "    print(len(gc.get_objects()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split() + [done.stderr]


def test_worker_freezes_its_start_up_heap_even_without_the_database():
    """The hook loads the URL configuration (every view) and freezes the heap; a catalog that
    cannot be read (no database listening) is logged and left to the first sizing."""
    unreachable = f"postgres://portal:portal@127.0.0.1:{port()}/nothing"
    off_frozen, off_views, off_walked, frozen, views, walked, stderr = _worker_start(
        DATABASE_URL=unreachable
    )
    assert (off_frozen, off_views) == ("0", "False")  # WEB_GC_FREEZE=0: the step is off
    assert int(off_walked) > 50_000
    assert views == "True"
    assert int(frozen) > 50_000  # start-up's objects: modules, classes, URL patterns, views
    assert int(walked) < int(frozen) // 10  # what a full collection still walks
    assert "catalog not loaded at worker start" in stderr


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_start_up_query_is_over_its_limit_serves_and_sizes_later(
    full_catalog, tmp_path
):
    """The catalog is locked (as by a migration or a test truncating it) while a worker starts:
    its start-up query is cancelled at STARTUP_STATEMENT_TIMEOUT_MS and logged, the worker
    answers at once, and once the lock is gone its first sizing loads the catalog. Without the
    limit the worker waited on the lock and never answered (docs/operations.md)."""
    from django.db import connection, transaction

    from apps.accounts.services import api_token_create
    from tests import stack
    from tests.conftest import require_or_skip
    from tests.quotes import factories

    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    user = factories.make_user(factories.make_org("seller"), username="gwen")
    _, token = api_token_create(user=user, name="start-up", scope="read_write", expires_in_days=7)
    bound = port()
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "WEB_WORKERS": "1",
        "DATABASE_URL": stack.current_database_url(),
        "STARTUP_STATEMENT_TIMEOUT_MS": "300",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE catalog_nodeprofile IN ACCESS EXCLUSIVE MODE")
            with log_path.open("wb") as log:
                server = subprocess.Popen(  # noqa: S603 - fixed argv
                    _gunicorn_argv(bound),
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            stack.wait_until(lambda: stack.http_ok(bound), 60, "a worker while locked", log_path)
            text = log_path.read_text()
            assert "catalog not loaded at worker start (time limit 300 ms)" in text
            assert "canceling statement due to statement timeout" in text
        sized = stack.Browser().request(
            bound,
            "POST",
            "/api/v1/sizing/",
            body={
                "kind": "inference",
                "model": "llama-3.1-8b",
                "gpu": "l40s-48gb",
                "inference": {"concurrent_users": 8, "prompt_tokens": 512, "output_tokens": 128},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert sized.status == 200, sized.body[:500]
        assert sized.json()["node_count"] >= 1
        assert sized.json()["bom"]  # the node profiles' parts: the catalog the worker loaded
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
