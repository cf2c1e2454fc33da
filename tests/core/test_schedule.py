"""The suite's order under pytest-xdist (tests/schedule.py): worksteal's slices, each starting
with its share of the long tests, nothing lost, moved twice or reordered otherwise."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests import schedule


def _items(n: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(nodeid=f"t{i:03d}") for i in range(n)]


def _worksteal_sizes(total: int, workers: int) -> list[int]:
    sizes = []
    for i in range(workers):
        sizes.append(total // (workers - i))
        total -= sizes[-1]
    return sizes


def test_each_slice_starts_with_its_share_of_the_long_tests_longest_first() -> None:
    items = _items(31)
    costs = {"t030": 40.0, "t029": 30.0, "t005": 20.0, "t017": 12.0, "t002": 9.0, "t011": 8.0}
    ordered = schedule.slices(items, costs, 3)  # type: ignore[arg-type]
    assert sorted(i.nodeid for i in ordered) == [i.nodeid for i in items]
    sizes = _worksteal_sizes(31, 3)
    assert sizes == [10, 10, 11]
    bounds = [0, sizes[0], sizes[0] + sizes[1], 31]
    parts = [[i.nodeid for i in ordered[bounds[k] : bounds[k + 1]]] for k in range(3)]
    # longest first, each to the slice with the least so far: 40 | 30 | 20 + 12, then 9 to
    # the 30-second slice and 8 to the 32-second one
    heads = [p[:n] for p, n in zip(parts, (1, 2, 3), strict=True)]
    assert heads == [["t030"], ["t029", "t002"], ["t005", "t017", "t011"]]
    loads = [sum(costs.get(n, 0.0) for n in p) for p in parts]
    assert max(loads) - min(loads) <= max(costs.values()) - min(costs.values())
    rest = [n for p in parts for n in p if n not in costs]
    assert rest == [i.nodeid for i in items if i.nodeid not in costs]  # the others keep order


def test_the_recorded_costs_name_tests_and_hold_seconds() -> None:
    costs = json.loads(schedule.DURATIONS.read_text())
    assert costs and all(isinstance(v, float | int) and v >= 1.0 for v in costs.values())
    assert all(k.startswith("tests/") and "::" in k for k in costs)


def test_more_costed_tests_than_a_slice_holds_spill_to_the_others() -> None:
    items = _items(6)
    costs = {i.nodeid: 10.0 for i in items}
    ordered = schedule.slices(items, costs, 2)  # type: ignore[arg-type]
    assert sorted(i.nodeid for i in ordered) == [i.nodeid for i in items]
    assert len(ordered) == 6
