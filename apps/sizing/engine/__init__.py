"""Framework-free GenAI cluster sizing engine: workload in, explained cluster and BoM out.

Imports no Django, DRF, Celery or WeasyPrint. Public API::

    from apps.sizing.engine import size, snapshot_from_csv_dir
    result = size(workload_dict, snapshot_from_csv_dir("fixtures/catalog"))
    result.to_dict()
"""

from .api import ENGINE_VERSION, size
from .catalog import (
    CatalogError,
    CatalogSnapshot,
    snapshot_from_csv_dir,
    snapshot_from_rows,
    to_be_confirmed,
)
from .errors import SizingInputError
from .explain import Explanation
from .result import SizingResult
from .workload import Assumptions, Workload, parse_workload

__all__ = [
    "to_be_confirmed",
    "ENGINE_VERSION",
    "Assumptions",
    "CatalogError",
    "CatalogSnapshot",
    "Explanation",
    "SizingInputError",
    "SizingResult",
    "Workload",
    "parse_workload",
    "size",
    "snapshot_from_csv_dir",
    "snapshot_from_rows",
]
