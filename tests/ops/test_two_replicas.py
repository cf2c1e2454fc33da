"""Two web replicas and a worker, as on three machines: each gunicorn / Celery process runs the
production settings in its own working directory and shares only PostgreSQL, Redis (a private
redis-server: broker and shared cache) and an S3-compatible store (moto's server). A quote
made and sent through replica A is rendered by the worker and downloaded through replica B;
a token revoked through A's portal page is refused by both at once; a rate limit counted on
one replica holds on the other; a session made on A is valid on B."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from apps.accounts.services import api_token_create
from apps.quotes.models import PdfJob
from tests import stack
from tests.conftest import require_or_skip
from tests.quotes import factories
from tests.s3server import make_bucket, s3_env, s3_server

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SIZING_LIMIT = 4  # API_RATE_SIZING of the replicas, per token and minute
SMALL_WORKLOAD = {
    "kind": "inference",
    "model": "llama-3.1-8b",
    "gpu": "l40s-48gb",
    "inference": {"concurrent_users": 8, "prompt_tokens": 512, "output_tokens": 128},
}


@dataclass
class Topology:
    a: stack.Process
    b: stack.Process
    worker: stack.Process
    s3_endpoint: str
    bucket: str
    workdirs: list[Path]


@pytest.fixture
def topology(transactional_db, book, tmp_path: Path) -> Iterator[Topology]:
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_or_skip(shutil.which("redis-server") is not None, "redis-server binary")
    redis_server = stack.PrivateRedis(tmp_path / "redis").start()
    processes: list[stack.Process] = []
    try:
        with s3_server(tmp_path / "s3.log", port=stack.port()) as endpoint:
            make_bucket(endpoint, "documents")
            env = stack.production_env(
                database_url=stack.current_database_url(),
                redis_url=redis_server.url,
                API_RATE_SIZING=f"{SIZING_LIMIT}/min",
                **s3_env(endpoint, "documents"),
            )
            env["STATIC_ROOT"] = str(stack.static_root(env))
            a = stack.web("web-a", env, tmp_path / "host-a").start()
            b = stack.web("web-b", env, tmp_path / "host-b").start()
            worker = stack.worker("worker", env, tmp_path / "host-w").start()
            processes += [a, b, worker]
            for replica in (a, b):
                assert replica.port is not None
                stack.wait_until(lambda r=replica: stack.http_ok(r.port), 60, r"gunicorn", a.log)
            stack.wait_until(
                lambda: stack.http_ok(a.port or 0, "/health/ready"), 90, "readiness", worker.log
            )
            yield Topology(a, b, worker, endpoint, "documents", [p.workdir for p in processes])
    finally:
        for process in processes:
            process.kill_all()  # the test is over: no graceful shutdown to wait for
        redis_server.stop()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_quote_sent_through_one_replica_is_downloaded_through_the_other(topology, book):
    seller = factories.make_org("seller", name="Replica Seller")
    user = factories.make_user(seller, username="rita")
    scenario = factories.make_scenario(user)
    _, token = api_token_create(user=user, name="replicas", scope="read_write", expires_in_days=7)
    http = stack.Browser()
    a, b = topology.a.port or 0, topology.b.port or 0

    created = http.request(
        a,
        "POST",
        "/api/v1/quotes/",
        body={
            "scenario": scenario.pk,
            "customer_company": "Two Replicas AG",
            "customer_contact": "Ada",
            "customer_email": "ada@example.com",
        },
        headers=_bearer(token),
    )
    assert created.status == 201, created.body[:500]
    quote_id = created.json()["id"]
    assert (
        http.request(b, "GET", f"/api/v1/quotes/{quote_id}/", headers=_bearer(token)).status == 200
    )
    sent = http.request(a, "POST", f"/api/v1/quotes/{quote_id}/send/", headers=_bearer(token))
    assert sent.status == 200, sent.body[:500]

    def ready() -> bool:
        status = http.request(b, "GET", f"/api/v1/quotes/{quote_id}/pdf/", headers=_bearer(token))
        return status.status == 200 and status.json()["status"] == "ready"

    stack.wait_until(ready, 120, "the worker's render", topology.worker.log)
    download = http.request(
        b, "GET", f"/api/v1/quotes/{quote_id}/pdf/download/", headers=_bearer(token)
    )
    assert download.status == 200, download.body[:500]
    assert download.body.startswith(b"%PDF-")
    job = PdfJob.objects.get(quote_id=quote_id)
    assert hashlib.sha256(download.body).hexdigest() == job.sha256
    assert len(download.body) == job.file_size
    # The document lives in the object store only: no host wrote a file of it.
    for workdir in topology.workdirs:
        assert not list(workdir.rglob("*.pdf")), workdir
    import boto3

    from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY

    client = boto3.client(
        "s3",
        endpoint_url=topology.s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    stored = client.get_object(Bucket=topology.bucket, Key=job.file_name)["Body"].read()
    assert stored == download.body


def test_revocations_sessions_and_rate_limits_agree_across_replicas(topology, book):
    """A token revoked through A's portal page is refused by both at once; a session made on A
    is valid on B; a rate limit counted on one replica holds on the other."""
    seller = factories.make_org("seller", name="Revoking Seller")
    user = factories.make_user(seller, username="rene")
    stack.set_production_password(user, "rene-password-long-1")
    token_row, token = api_token_create(
        user=user, name="to-revoke", scope="read_write", expires_in_days=7
    )
    http = stack.Browser()
    a, b = topology.a.port or 0, topology.b.port or 0
    # Every gunicorn worker of both replicas authenticates (and caches) the token first.
    for _ in range(6):
        for replica in (a, b):
            assert http.request(replica, "GET", "/api/v1/me/", headers=_bearer(token)).status == 200

    portal = stack.Browser()
    portal.login(a, "rene", "rene-password-long-1")
    page = portal.request(b, "GET", "/accounts/tokens/")  # the session made on A works on B
    assert page.status == 200 and b"to-revoke" in page.body
    revoked = portal.request(
        a,
        "POST",
        f"/accounts/tokens/{token_row.pk}/revoke/",
        form={"csrfmiddlewaretoken": portal.csrf_from(page.body)},
    )
    assert revoked.status in {200, 302}, revoked.body[:500]
    answers = [
        http.request(replica, "GET", "/api/v1/me/", headers=_bearer(token)).status
        for _ in range(6)
        for replica in (a, b)
    ]
    assert answers == [401] * 12

    # A rate limit counted on one replica holds on the other (another token: its own count).
    _, limited = api_token_create(user=user, name="limited", scope="read_write", expires_in_days=7)
    replicas = [a, b]
    answers = [
        http.request(
            replicas[i % 2],
            "POST",
            "/api/v1/sizing/",
            body=SMALL_WORKLOAD,
            headers=_bearer(limited),
        ).status
        for i in range(SIZING_LIMIT + 2)
    ]
    assert answers == [200] * SIZING_LIMIT + [429, 429], answers
