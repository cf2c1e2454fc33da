"""The embedded default as it really runs: a file SQLite database, gunicorn worker processes
and the file cache, in a temporary directory (never the suite's database)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.stack import build_lock

ROOT = Path(__file__).resolve().parents[2]
# migrate, the catalog and the first user in one Python process (one Django start-up, not
# three: ~0.6 s of CPU each)
SETUP = """
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)  # manage.py migrate, in this process
call_command("catalog_import", sys.argv[1], verbosity=0)
from apps.accounts.choices import ApiTokenScope, OrganizationKind, Role
from apps.accounts.services import api_token_create, organization_get_or_create, user_create
from apps.sizing import services
org = organization_get_or_create("Partner SQLite", OrganizationKind.PARTNER)[0]
user = user_create(username="lite", password="pw-lite-123456", organization=org, role=Role.PARTNER)
_row, token = api_token_create(
    user=user, name="t", scope=ApiTokenScope.READ_WRITE, expires_in_days=7)
scenario = services.scenario_create(user=user, name="One node", inputs={
    "kind": "inference", "model": "llama-2-70b", "gpu": "h100-pcie-80gb", "nodes": 1,
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300}})
print(json.dumps({"token": token, "scenario": scenario.pk}))
"""
CUSTOMER = {"customer_contact": "Ada", "customer_email": "ada@example.com"}


@dataclass
class Embedded:
    base: str
    token: str
    scenario: int
    db: Path
    outbox: Path

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310
            f"{self.base}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()[:300]

    def create_quote(self, company: str) -> tuple[int, Any]:
        body = {"scenario": self.scenario, "customer_company": company, **CUSTOMER}
        return self.call("POST", "/api/v1/quotes/", body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# The settings SETUP runs with, whichever settings the server then runs: the migrations, the
# catalog and the rows are the same under the test and the local settings (one database, ~5 s
# of CPU, for both embedded tests instead of one each); only the user's password hash differs,
# MD5 here, which no test signs in with (they call the API with the token).
SETUP_SETTINGS = "config.settings.test"


def _set_up(db: Path, env: dict[str, str]) -> dict[str, Any]:
    """The migrated database with the catalog, a partner user, its token and a scenario, in
    `db`: SETUP's result, made once per content of the code, the fixtures and the locked
    packages and kept under var/ (~5 s of CPU), then copied. Nothing but that content decides
    it: the same code and fixtures give the same database."""
    import hashlib
    import shutil

    digest = hashlib.sha256(f"{SETUP}\0{SETUP_SETTINGS}".encode())
    sources = [ROOT / "requirements.lock"]
    for tree in ("apps", "config", "fixtures/catalog"):
        sources += sorted(p for p in (ROOT / tree).rglob("*") if p.is_file() and p.suffix != ".pyc")
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    kept = ROOT / "var" / "test-embedded" / digest.hexdigest()[:16]
    kept.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time: both embedded tests are long ones, which start together under
    # pytest-xdist (tests/schedule.py); the second waits for the first's database.
    with build_lock(kept.parent, "the embedded database's build lock"):
        if not (kept / "setup.json").exists():
            _build(kept, db.name, env)
    shutil.copyfile(kept / db.name, db)  # the setup process ended: WAL checkpointed, no -wal
    return dict(json.loads((kept / "setup.json").read_text()))


def _build(kept: Path, name: str, env: dict[str, str]) -> None:
    """Run SETUP into a new directory, then rename it to `kept` (whole, or not at all)."""
    import shutil
    import tempfile

    building = Path(tempfile.mkdtemp(dir=kept.parent, prefix=".building-"))
    made = {
        **env,
        "DJANGO_SETTINGS_MODULE": SETUP_SETTINGS,
        "DATABASE_URL": f"sqlite:///{building / name}",
    }
    catalog = str(ROOT / "fixtures" / "catalog")
    out = _run([sys.executable, "-c", SETUP, catalog], made).strip().splitlines()[-1]
    (building / "setup.json").write_text(out)  # last: its presence says the rest is there
    try:
        building.rename(kept)
    except OSError:  # another test session made it meanwhile
        shutil.rmtree(building, ignore_errors=True)


@contextmanager
def embedded_server(
    tmp_path: Path, settings_module: str = "config.settings.test", workers: int = 4
) -> Iterator[Embedded]:
    db, outbox = tmp_path / "portal.sqlite3", tmp_path / "outbox"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": f"sqlite:///{db}",
        "CACHE_URL": f"file://{tmp_path / 'cache'}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "TEST_MEDIA_ROOT": str(tmp_path / "documents"),
        "STORAGE_PATH": str(tmp_path / "documents"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "ACCESS_LOG": "false",
        "API_RATE_WRITE": "1000/min",
    }
    data = _set_up(db, env)
    port = _free_port()
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/live", timeout=2)  # noqa: S310
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        yield Embedded(base, data["token"], data["scenario"], db, outbox)
    finally:
        server.terminate()
        server.wait(timeout=60)
