"""docker-compose.yml: the Docker engine cannot run here, so its structure is checked against
the project: services, commands that exist, queues that are consumed, volumes, health checks,
restart policies."""

from __future__ import annotations

import importlib
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"web", "worker", "pdf-worker", "beat", "migrate"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, Any]:
    return compose["services"]


def argv(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    words = shlex.split(command) if isinstance(command, str) else list(command)
    return list(service.get("entrypoint", [])) + words


def shell_commands(words: list[str]) -> list[list[str]]:
    """`sh -c "a && b"` → [[a…], [b…]]; anything else is one command."""
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&")]
    return [words]


def test_the_services(services):
    assert {
        "proxy",
        "web",
        "worker",
        "pdf-worker",
        "beat",
        "migrate",
        "postgres",
        "redis",
        "minio",
    } <= set(services)


def test_replicas(services):
    """Two web replicas behind the proxy, two PDF workers; exactly one beat."""
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["pdf-worker"]["deploy"]["replicas"] == 2
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_restart_policies(services):
    for name, service in services.items():
        expected = "no" if name in ("migrate", "backup", "minio-init") else "unless-stopped"
        assert service.get("restart") == expected, name


def test_health_checks(services):
    for name in ("postgres", "redis", "web", "worker", "pdf-worker", "minio", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/health/live" in web and "curl" not in web and "python" in web
    for name in ("worker", "pdf-worker"):
        assert "inspect ping" in " ".join(services[name]["healthcheck"]["test"])


def test_web_health_check_path_answers(client):
    assert client.get("/health/live").status_code == 200


def test_dependencies_name_services(services):
    for name, service in services.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            assert cond["condition"] in ("service_healthy", "service_completed_successfully")
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], dep


def _named_volumes(service: dict[str, Any]) -> list[str]:
    return [v for v in service.get("volumes", []) if not v.startswith((".", "/"))]


def test_volumes_declared_and_used(compose, services):
    declared = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in _named_volumes(s)}
    assert used <= declared and declared <= used
    assert {"pgdata", "redisdata", "miniodata"} <= declared
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    assert "miniodata:/data" in services["minio"]["volumes"]


def test_app_containers_are_stateless(services):
    """Web, workers and beat keep nothing on local disk: documents in the S3 store, the
    rest in PostgreSQL and Redis; so any of them can run on another host."""
    for name in ("web", "worker", "pdf-worker", "beat"):
        assert _named_volumes(services[name]) == [], name
        env = services[name]["environment"]
        assert env["STORAGE_BACKEND"] == "s3" and env["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["CACHE_URL"].startswith("redis://redis:6379/")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")


def _resolved(value: str) -> str:
    """`${VAR:?message}` / `${VAR:-default}` → a stand-in value (compose substitutes them)."""
    import re

    return re.sub(r"\$\{([A-Z_]+)(?::[?-][^}]*)?\}", lambda m: f"test-{m.group(1).lower()}", value)


def test_each_app_service_environment_loads_the_production_settings(services):
    """The settings every app container starts with: the S3 document storage and the
    trusted proxy resolve from the compose environment."""
    import subprocess  # nosec B404
    import sys

    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.files.storage import storages; "
        "print(type(storages['documents']).__name__, settings.OPS_TRUSTED_PROXIES)"
    )
    for name in ("web", "pdf-worker"):
        env = {k: _resolved(str(v)) for k, v in services[name]["environment"].items()}
        env.update(
            SECRET_KEY="s" * 20 + "ecret-key-for-the-compose-test-0123456789", PATH="/usr/bin:/bin"
        )
        env["DATABASE_URL"] = "postgres://u:p@127.0.0.1:9/db"
        run = subprocess.run(  # nosec B603 - fixed argv
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.split()[0] == "S3Storage", name
        assert "172.30.0.2" in run.stdout


def test_only_the_proxy_publishes_a_port_and_on_loopback_by_default(compose, services):
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert list(published) == ["proxy"]
    (mapping,) = published["proxy"]
    assert mapping.startswith("${PROXY_BIND:-127.0.0.1}:"), mapping
    proxy_ip = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert services["web"]["environment"]["TRUSTED_PROXIES"] == proxy_ip
    subnet = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    import ipaddress

    assert ipaddress.ip_address(proxy_ip) in ipaddress.ip_network(subnet)
    assert "edge" in services["web"]["networks"]
    for name in ("postgres", "redis", "minio", "worker", "pdf-worker", "beat"):
        assert services[name]["networks"] == ["backend"], name


def test_the_proxy_spreads_over_the_web_replicas_and_sets_forwarded_headers(services):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    assert "http://web:8000" in conf and "resolver 127.0.0.11" in conf
    assert "proxy_set_header X-Forwarded-Proto" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert "listen 8080" in conf and services["proxy"]["ports"][0].endswith(":8080")


def test_deploys_never_overwrite_catalog_edits(services):
    for cmd in shell_commands(argv(services["migrate"])):
        if cmd[2:3] == ["catalog_import"]:
            assert "--force" not in cmd
            break
    else:
        raise AssertionError("migrate does not import the catalog")


def test_redis_keeps_messages(services):
    words = argv(services["redis"])
    assert words[words.index("--appendonly") + 1] == "yes"
    assert words[words.index("--appendfsync") + 1] == "everysec"
    assert words[words.index("--maxmemory-policy") + 1] == "noeviction"


def test_app_settings_module_exists(services):
    for name in APP_SERVICES:
        module = services[name]["environment"]["DJANGO_SETTINGS_MODULE"]
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module


def test_gunicorn_application_is_importable(services):
    words = argv(services["web"])
    assert words[0] == "gunicorn"
    app = [w for w in words[1:] if ":" in w and not w.startswith("-")]
    module, attr = app[0].split(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_web_runs_the_production_gunicorn_config(services):
    """compose and the image's default command start gunicorn the same way, with the config
    file (tests/ops/test_gunicorn_config.py runs it)."""
    words = argv(services["web"])
    config = words[words.index("-c") + 1]
    assert (ROOT / config).is_file(), config
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert yaml.safe_load(cmd.removeprefix("CMD ")) == words


def test_pdf_worker_renders_at_low_priority(services):
    assert services["pdf-worker"]["environment"]["WORKER_NICE"] == "10"
    assert (
        services["pdf-worker"]["environment"]["DJANGO_SETTINGS_MODULE"]
        == (services["web"]["environment"]["DJANGO_SETTINGS_MODULE"])
    )


def _celery(words: list[str]) -> tuple[str, list[str]]:
    assert words[:3] == ["celery", "-A", "config"]
    # `-A config` finds the app config/__init__.py exports as `celery_app`.
    assert (
        importlib.import_module("config").celery_app
        is importlib.import_module("config.celery_app").app
    )
    return words[3], words


def test_workers_consume_every_queue_a_task_is_routed_to(services):
    consumed: set[str] = set()
    for name in ("worker", "pdf-worker"):
        sub, words = _celery(argv(services[name]))
        assert sub == "worker"
        consumed |= set(words[words.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {"celery"} <= consumed
    assert settings.CELERY_TASK_ROUTES["quotes.render_pdf"] == {"queue": "pdf"}
    pdf = argv(services["pdf-worker"])
    assert any(w.startswith("--max-tasks-per-child") for w in pdf)


def test_beat_schedule_tasks_exist(services):
    from config.celery_app import app

    sub, _ = _celery(argv(services["beat"]))
    assert sub == "beat"
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_manage_py_commands_exist(services):
    commands = get_commands()
    seen = []
    for name, service in services.items():
        words = argv(service)
        if not words or words[0] in ("gunicorn", "celery", "redis-server", "server"):
            continue
        for cmd in shell_commands(words):
            if cmd[:2] == ["python", "manage.py"]:
                assert cmd[2] in commands, (name, cmd)
                seen.append(cmd[2])
                for arg in cmd[3:]:
                    if "/" in arg and not arg.startswith("/"):
                        assert (ROOT / arg).exists(), arg
    assert {"migrate", "catalog_import", "backup"} <= set(seen)


def test_the_image_can_back_up(services):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "postgresql-client" in dockerfile  # pg_dump / pg_restore for manage.py backup


def _dockerfile_owned_dirs() -> tuple[set[str], str]:
    """The directories the Dockerfile creates and gives to its USER, and that user."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    user = next(line.split()[1] for line in text.splitlines() if line.startswith("USER "))
    owned: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("RUN "):
            continue
        for part in line[4:].split("&&"):
            words = part.split()
            if words[:1] == ["chown"] and words[1].split(":")[0] == user:
                owned |= {w.rstrip("/") for w in words[2:] if w.startswith("/")}
    return owned, user


def test_every_app_volume_is_owned_by_the_containers_user(services):
    """An empty named volume copies the owner of its mount point in the image; a mount point
    the image lacks (or owns as root) leaves the volume root's, and `portal` cannot write
    there — the backups volume failed that way."""
    owned, user = _dockerfile_owned_dirs()
    assert user != "root"
    for name, service in services.items():
        if service.get("image") != services["web"].get("image"):
            continue
        for volume in _named_volumes(service):
            source, target = volume.split(":")[:2]
            assert target.rstrip("/") in owned, (name, volume)
