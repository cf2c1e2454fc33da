"""Production settings: refuse a missing secret key, and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "k3V9-qLr2" * 8


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # A clean production environment: nothing the test run itself sets (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for the live server, which check --deploy rightly refuses).
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "postgres://portal:portal@127.0.0.1:5432/portal",
            **env,
        }
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key() -> None:
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_placeholder_secret_key() -> None:
    result = run_manage("check", SECRET_KEY="django-insecure-" + "a" * 60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_sqlite() -> None:
    result = run_manage("check", SECRET_KEY=GOOD_KEY, DATABASE_URL="sqlite:///tmp/x.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_check_deploy_passes_with_no_findings() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_time_limits_in_milliseconds_refuse_other_text() -> None:
    for name in ("STARTUP_STATEMENT_TIMEOUT_MS", "DATABASE_CLIENT_CHECK_MS"):
        result = run_manage("check", SECRET_KEY=GOOD_KEY, **{name: "10s"})
        assert result.returncode != 0
        assert f"{name} must be whole milliseconds (0: none), got '10s'" in result.stderr
