"""The flush after each transactional test deletes the rows instead of truncating the tables
(PostgreSQL; installed by tests/conftest.py for the test processes only).

Django's TransactionTestCase (pytest-django's `transactional_db`, `live_server`) empties every
table after the test with one `TRUNCATE t1, …, t41`: on this machine's PostgreSQL that takes
1.2–1.4 s (a new file per table, and their removal at commit), while `DELETE FROM` each table
takes 0.02 s for the few rows a test leaves (bench/RESULTS.md, "Test suite, session 5"); the
suite has ~60 such tests. Same end state: every table empty, the sequences left as TRUNCATE
without RESTART IDENTITY leaves them; every foreign key of the schema is DEFERRABLE (Django
creates them so), so within the flush's transaction the order of the deletes does not matter.
A flush that resets sequences (`reset_sequences=True`) keeps Django's TRUNCATE.

The content types and permissions stay: the flush's post_migrate signal would write the same
rows again (0.3–0.4 s a flush at load 6–12); no test or app creates or changes them.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.operations import DatabaseOperations

_TRUNCATE = DatabaseOperations.sql_flush
_KEPT = {"django_content_type", "auth_permission"}  # what post_migrate would write back


def _sql_flush(
    self: DatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if reset_sequences or not tables:
        return _TRUNCATE(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    deletes = [
        f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
        for t in tables
        if t not in _KEPT
    ]
    return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]


def install() -> None:
    DatabaseOperations.sql_flush = _sql_flush  # type: ignore[method-assign,assignment]
