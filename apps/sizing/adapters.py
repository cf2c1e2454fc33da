"""The one bridge between the catalog (database) and the framework-free sizing engine.

The catalog app exposes its content as rows in the CSV format of fixtures/catalog/README.md;
the engine builds its frozen snapshot from exactly those rows. The snapshot is cached per
process and rebuilt when the catalog changes (`catalog_revision`, bumped by catalog writes).
"""

from __future__ import annotations

import threading
from typing import Any

from apps.catalog import selectors as catalog_selectors
from apps.sizing import engine

_lock = threading.Lock()
_cache: dict[str, Any] = {"version": None, "snapshot": None}


def catalog_snapshot() -> engine.CatalogSnapshot:
    """The engine's view of the current catalog (cached until the catalog changes)."""
    version = catalog_selectors.catalog_revision()
    with _lock:
        if _cache["version"] != version or _cache["snapshot"] is None:
            _cache["snapshot"] = engine.snapshot_from_rows(catalog_selectors.catalog_rows())
            _cache["version"] = version
        return _cache["snapshot"]
