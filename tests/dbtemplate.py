"""Test databases cloned from one migrated template (PostgreSQL; installed by tests/conftest.py
for the test processes only).

Django migrates every test database it creates: under pytest-xdist each process, every run,
~1.5 s of CPU in the `migrate` command (it builds the project state from the migrations even
when there is nothing to apply, so `--reuse-db` would not spare it) and the DDL of every
table in its PostgreSQL backend. Here the first process to need it migrates a template,
`test_<name>_template_<digest>`, and every test database is `CREATE DATABASE … TEMPLATE` it
(a file copy, ~0.3 s of wall); the template stays for the next run. Its name carries a digest
of the migrations and Django's version, so a changed migration gets a new template (the old
ones are dropped): the cloned database is the one `migrate` would have made. Processes take
turns on an advisory lock, so one migrates while the others wait for it, and PostgreSQL
refuses a template that has a session open, so the migrating one closes its own first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db.backends.postgresql.creation import DatabaseCreation

ROOT = Path(__file__).resolve().parent.parent
_CREATE = DatabaseCreation.create_test_db


def _digest() -> str:
    h = hashlib.sha256(django.get_version().encode())
    for path in sorted(ROOT.glob("apps/*/migrations/*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _create_test_db(
    self: DatabaseCreation,
    verbosity: int = 1,
    autoclobber: bool = False,
    serialize: bool = True,
    keepdb: bool = False,
) -> str:
    test = self.connection.settings_dict["TEST"]
    if keepdb or test.get("MIGRATE") is False or test.get("TEMPLATE"):
        return _CREATE(self, verbosity, autoclobber, serialize, keepdb)
    name = self._get_test_db_name()
    prefix = f"test_{self.connection.settings_dict['NAME']}_template_"
    template = prefix + _digest()
    quote = self.connection.ops.quote_name
    with self._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [prefix])
        try:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone() is None:
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s",
                    [prefix.replace("_", r"\_") + "%"],
                )
                for (old,) in cursor.fetchall():  # templates of other migrations
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
                test["NAME"] = template
                try:
                    _CREATE(self, max(verbosity - 1, 0), True, False, False)
                finally:
                    test["NAME"] = name
                self.connection.close()  # no session may be open on a template
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [prefix])
    # What Django's create_test_db does after its migrate.
    self.connection.close()
    settings.DATABASES[self.connection.alias]["NAME"] = name
    self.connection.settings_dict["NAME"] = name
    if serialize:
        self.connection._test_serialized_contents = self.serialize_db_to_string()
    call_command("createcachetable", database=self.connection.alias)
    self.connection.ensure_connection()
    return name


def install() -> None:
    DatabaseCreation.create_test_db = _create_test_db  # type: ignore[method-assign]
