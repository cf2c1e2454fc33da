"""Backup and restore: a backup restored into a fresh database finds every quote and document
intact (rows compared table by table, documents by checksum); a damaged backup or a database
that is not empty is refused before anything changes."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.ops.backup import PgTarget
from apps.quotes import services
from apps.quotes.models import PdfJob, Quote
from tests.quotes import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{name}"
    )


@pytest.fixture
def fresh_name(postgres) -> Iterator[str]:
    name = f"restore_{secrets.token_hex(4)}"
    yield name
    target = PgTarget.from_url(_url(name))
    with target.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(target: PgTarget) -> dict[str, list[tuple]]:
    with target.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()  # noqa: S608
            for t in tables
        }


@pytest.fixture
def quotes_with_documents(
    postgres, settings, book, sales_user, media_root, monkeypatch
) -> Iterator[list[Quote]]:
    from apps.quotes import pdf
    from config.celery_app import app

    # Each document a real PDF of its own quote (its number on a page), not the whole
    # reference-architecture document (~2 s of CPU each, six a run): the subject is the backup
    # of whatever bytes the storage holds, and distinct bytes per quote still tell a restore that
    # swapped or lost one.
    monkeypatch.setattr(
        pdf, "render_quote", lambda quote: pdf.render_html(f"<p>{quote.number}</p>")
    )
    old_eager = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = True  # render on commit
    scenario = factories.make_scenario(sales_user)
    sent = [
        services.quote_send(
            user=sales_user,
            quote=factories.make_quote(sales_user, scenario=scenario, customer_company=f"C{i}"),
        )[0]
        for i in range(2)
    ]
    factories.make_quote(sales_user, scenario=scenario, customer_company="Draft")
    assert PdfJob.objects.filter(status="ready").count() == 2
    yield sent
    app.conf.task_always_eager = old_eager


def test_a_backup_restores_into_a_fresh_database_intact(
    quotes_with_documents, fresh_name, tmp_path: Path, media_root: Path
):
    backup_dir = tmp_path / "backup"
    out = StringIO()
    call_command("backup", str(backup_dir), stdout=out)
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert len(manifest["documents"]) == 2
    assert manifest["database"]["migrations"]["ops"] == "0001_initial"

    restored_media = tmp_path / "restored-documents"
    call_command(
        "restore",
        str(backup_dir),
        "--database-url",
        _url(fresh_name),
        "--create-database",
        "--media-root",
        str(restored_media),
        stdout=out,
    )

    source = PgTarget.from_settings(connection.settings_dict)
    original, restored = _rows(source), _rows(PgTarget.from_url(_url(fresh_name)))
    assert set(restored) == set(original)
    for table in original:
        assert restored[table] == original[table], table
    assert len(restored["quotes_quote"]) == 3 and len(restored["quotes_quoteline"]) > 3
    for job in PdfJob.objects.filter(status="ready"):
        data = (restored_media / job.file_name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == job.sha256
        assert data == (media_root / job.file_name).read_bytes()


def test_a_damaged_backup_is_refused_before_anything_changes(
    quotes_with_documents, fresh_name, tmp_path: Path
):
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir), stdout=StringIO())
    doc = next((backup_dir / "documents").rglob("*.pdf"))
    doc.write_bytes(doc.read_bytes()[:-10])
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("restore", str(backup_dir), "--verify-only", stdout=StringIO())
    with pytest.raises(CommandError, match="backup damaged"):
        call_command(
            "restore",
            str(backup_dir),
            "--database-url",
            _url(fresh_name),
            "--create-database",
            "--media-root",
            str(tmp_path / "m"),
            stdout=StringIO(),
        )
    with PgTarget.from_url(_url(fresh_name)).connect("postgres") as conn:
        assert (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [fresh_name]).fetchone()
            is None
        )


def test_restore_refuses_a_database_with_tables(quotes_with_documents, tmp_path: Path):
    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir), stdout=StringIO())
    with pytest.raises(CommandError, match="fresh, empty database"):
        call_command(
            "restore", str(backup_dir), "--media-root", str(tmp_path / "m"), stdout=StringIO()
        )
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(backup_dir), stdout=StringIO())
