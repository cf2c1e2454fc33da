"""The embedded default holds concurrent writes: a file SQLite database (WAL, busy timeout,
BEGIN IMMEDIATE — config.settings.base) behind gunicorn with 4 worker processes answers 50
concurrent API quote creations with 50 × 201 and gap-free numbers."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from .embedded import embedded_server


def test_50_concurrent_quote_creations_on_the_embedded_default(tmp_path):
    with embedded_server(tmp_path, workers=4) as portal:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(lambda n: portal.create_quote(f"Customer {n}"), range(50)))
        elapsed = time.perf_counter() - started
    codes = [code for code, _ in results]
    print(f"50 concurrent quote creations: {codes.count(201)} × 201 in {elapsed:.1f} s")
    assert codes == [201] * 50, [r for r in results if r[0] != 201][:3]
    numbers = sorted(int(body["number"].rsplit("-", 1)[1]) for _, body in results)
    assert numbers == list(range(1, 51))  # gap-free, no duplicate
    with sqlite3.connect(portal.db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM quotes_quote").fetchone()[0] == 50
