"""Serving (inference) model: layouts (layout.py), a replica's memory and step model
(replica.py), the layout search (search.py) and the result figures (report.py)."""

from .layout import Layout, candidates
from .replica import Replica, ServingSetup
from .search import Choice, choose_for_gpus, choose_for_users, kv_precision_for, setup_for

__all__ = [
    "Choice",
    "Layout",
    "Replica",
    "ServingSetup",
    "candidates",
    "choose_for_gpus",
    "choose_for_users",
    "kv_precision_for",
    "setup_for",
]
