"""The cyclic garbage collector paused for one bounded piece of work (a sizing, a PDF render).

Such work allocates many container objects (an automatic training sizing hundreds of
thousands: layouts, step times, memo tables; a PDF render boxes, computed styles, Pango
wrappers) and drops nearly all of them by reference counting, so the collector's passes during
it (a young-generation pass every ~700 allocations, each walking what the work has built so
far) free nothing and cost CPU. Paused, the work runs without them. The collector's allocation
count runs on while it is off, so the first allocation after the pause starts the young pass
that frees whatever the work left in reference cycles: nothing piles up between requests. A
forced ``gc.collect(0)`` at the end cost more than that pass (0.15 M instructions a one-node
sizing; bench/RESULTS.md, "Session 15"). The price: cycles dropped midway wait for that pass
(a higher peak, bounded by one piece of work)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, then as it was found (off stays off: a caller that
    turned it off keeps it so)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
