"""Backup and restore: the PostgreSQL database (pg_dump custom format) plus the generated
documents of the documents storage (filesystem or S3, read and written through the storage
API: apps/core/documents.py), with a manifest of SHA-256 checksums.

A backup directory holds `database.dump`, `documents/…` (every stored document) and
`manifest.json`, written last: a directory without a manifest is an unfinished backup.
The database is dumped first, then the documents are copied: a document is written before
its job is marked ready and never deleted, so every document the dump refers to is in the
copy (documents rendered in between are extra, and harmless).

Restore verifies every checksum before it changes anything, refuses a database that already
has tables (restore into a fresh, empty database; `--create-database` makes it) and a document
that exists with other contents, then runs pg_restore in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess  # noqa: S404 - pg_dump/pg_restore, absolute paths, argument lists, no shell
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.files.storage import Storage

MANIFEST = "manifest.json"
DUMP = "database.dump"
DOCUMENTS = "documents"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup or restore cannot proceed; the message says why."""


@dataclass(frozen=True)
class PgTarget:
    """Where a database lives (from Django's settings_dict or a postgres:// URL)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, db: Mapping[str, Any]) -> PgTarget:
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError("backup and restore need PostgreSQL (DATABASE_URL=postgres://…)")
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        import dj_database_url

        return cls.from_settings(dj_database_url.parse(url))

    def args(self) -> list[str]:
        out = []
        for flag, value in (
            ("--host", self.host),
            ("--port", self.port),
            ("--username", self.user),
        ):
            if value:
                out += [flag, value]
        return out

    def env(self) -> dict[str, str]:
        """The password goes in the environment, never on a command line (ps shows those)."""
        env = {**os.environ}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None) -> Any:
        import psycopg

        return psycopg.connect(
            dbname=dbname or self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            connect_timeout=10,
            autocommit=True,
        )


def _tool(name: str) -> str:
    bin_dir = settings.OPS_PG_BIN_DIR
    path = shutil.which(name, path=bin_dir or None)
    if path is None:
        raise BackupError(f"{name} not found (install postgresql-client, or set PG_BIN_DIR)")
    return path


def _run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, argument list
    if done.returncode != 0:
        raise BackupError(
            f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return done.stdout


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _migrations(target: PgTarget) -> dict[str, str]:
    with target.connect() as conn:
        rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    return {app: name for app, name in rows}  # the last applied per app


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup(directory: Path, target: PgTarget, storage: Storage | None = None) -> dict[str, Any]:
    """Write a backup into `directory` (new or empty); returns the manifest. Documents come
    from `storage` (the documents storage by default)."""
    from apps.core import documents

    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; give a new directory for each backup")
    directory.mkdir(parents=True, exist_ok=True)
    dump = directory / DUMP
    started = datetime.now(UTC)
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--compress=6",
            "--file",
            str(dump),
            *target.args(),
            target.name,
        ],
        target.env(),
    )
    docs = []
    for rel in documents.document_names(storage=storage):
        data = documents.document_read(rel, storage=storage)
        dst = directory / DOCUMENTS / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        docs.append({"path": rel, "size": len(data), "sha256": _sha256(data)})
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "django": django.get_version(),
        "pg_dump": _run([_tool("pg_dump"), "--version"], target.env()).strip(),
        "database": {
            "name": target.name,
            "file": DUMP,
            "size": dump.stat().st_size,
            "sha256": sha256_of(dump),
            "migrations": _migrations(target),
        },
        "documents": docs,
    }
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
    return manifest


def verify(directory: Path) -> dict[str, Any]:
    """Read the manifest and check every checksum; raise BackupError on any difference."""
    directory = Path(directory)
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST}: not a (finished) backup") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    problems = []
    dump = directory / manifest["database"]["file"]
    if not dump.is_file() or sha256_of(dump) != manifest["database"]["sha256"]:
        problems.append(f"{dump.name}: missing or checksum differs")
    for doc in manifest["documents"]:
        path = directory / DOCUMENTS / doc["path"]
        if not path.is_file() or sha256_of(path) != doc["sha256"]:
            problems.append(f"{DOCUMENTS}/{doc['path']}: missing or checksum differs")
    if problems:
        raise BackupError("backup damaged: " + "; ".join(problems[:20]))
    return manifest


def _create_database(target: PgTarget) -> None:
    from psycopg import sql

    with target.connect("postgres") as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target.name]
        ).fetchone()
        if exists:
            raise BackupError(f"database {target.name!r} already exists")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))


def _check_empty(target: PgTarget) -> None:
    with target.connect() as conn:
        count = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
            "'information_schema')"
        ).fetchone()[0]
    if count:
        raise BackupError(
            f"database {target.name!r} has {count} tables; restore needs a fresh, "
            "empty database (or use --create-database with a new name)"
        )


def _check_documents(manifest: dict[str, Any], storage: Storage | None) -> None:
    from apps.core import documents

    clashes = [
        doc["path"]
        for doc in manifest["documents"]
        if documents.document_exists(doc["path"], storage=storage)
        and _sha256(documents.document_read(doc["path"], storage=storage)) != doc["sha256"]
    ]
    if clashes:
        raise BackupError(
            f"{len(clashes)} documents exist in the documents storage with other "
            f"contents, e.g. {clashes[0]}; restore into an empty storage"
        )


def restore(
    directory: Path,
    target: PgTarget,
    storage: Storage | None = None,
    *,
    create_database: bool = False,
) -> dict[str, Any]:
    """Restore the backup in `directory` into `target` (fresh) and `storage` (the documents
    storage by default)."""
    from apps.core import documents

    directory = Path(directory)
    manifest = verify(directory)
    _check_documents(manifest, storage)
    if create_database:
        _create_database(target)
    _check_empty(target)
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *target.args(),
            "--dbname",
            target.name,
            str(directory / manifest["database"]["file"]),
        ],
        target.env(),
    )
    for doc in manifest["documents"]:
        data = (directory / DOCUMENTS / doc["path"]).read_bytes()
        if _sha256(data) != doc["sha256"]:
            raise BackupError(f"{doc['path']}: checksum differs after copying")
        documents.document_write(doc["path"], data, storage=storage)
    return manifest
