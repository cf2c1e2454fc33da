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
    walls = {"t030": 40.0, "t029": 30.0, "t005": 20.0, "t017": 12.0, "t002": 9.0, "t011": 8.0}
    costs = {k: (v, v) for k, v in walls.items()}  # all CPU-bound: longest first
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
    loads = [sum(walls.get(n, 0.0) for n in p) for p in parts]
    assert max(loads) - min(loads) <= max(walls.values()) - min(walls.values())
    rest = [n for p in parts for n in p if n not in costs]
    assert rest == [i.nodeid for i in items if i.nodeid not in costs]  # the others keep order


def test_a_test_that_waits_runs_beside_cpu_bound_ones_not_beside_another_that_waits() -> None:
    items = _items(30)
    # two that mostly wait (an outage held, a worker restarted) and two that burn a core
    costs = {"t001": (40.0, 4.0), "t002": (38.0, 3.0), "t003": (36.0, 36.0), "t004": (34.0, 30.0)}
    ordered = [i.nodeid for i in schedule.slices(items, costs, 3, cores=2)]  # type: ignore[arg-type]
    firsts = [ordered[0], ordered[10], ordered[20]]  # what each process starts with
    assert sorted(ordered) == [i.nodeid for i in items]
    # longest first would start both waiting ones at once, beside one CPU-bound test (a core
    # idle for ~35 s): here one waits beside the two that use their cores
    assert sorted(firsts) == ["t001", "t003", "t004"] or sorted(firsts) == ["t002", "t003", "t004"]


def test_the_recorded_costs_name_tests_and_hold_wall_and_cpu_seconds() -> None:
    raw = json.loads(schedule.DURATIONS.read_text())
    costs = schedule.read_costs(raw)
    assert costs and all(wall >= 1.0 and cpu >= 0.0 for wall, cpu in costs.values())
    assert all(k.startswith("tests/") and "::" in k for k in costs)
    assert schedule.read_costs({"tests/a.py::t": 2.5}) == {"tests/a.py::t": (2.5, 2.5)}


def test_more_costed_tests_than_a_slice_holds_spill_to_the_others() -> None:
    items = _items(6)
    costs = {i.nodeid: (10.0, 10.0) for i in items}
    ordered = schedule.slices(items, costs, 2)  # type: ignore[arg-type]
    assert sorted(i.nodeid for i in ordered) == [i.nodeid for i in items]
    assert len(ordered) == 6


def _sharing(nodeid: str, fixture: str) -> SimpleNamespace:
    """A test of tests/m.py that uses the module-scoped `fixture` of its module."""
    shared = SimpleNamespace(baseid="tests/m.py", scope="module")
    return SimpleNamespace(
        nodeid=nodeid,
        path="tests/m.py",
        _fixtureinfo=SimpleNamespace(name2fixturedefs={fixture: [shared]}),
    )


def test_tests_sharing_a_module_fixture_stay_in_one_slice_their_costs_added() -> None:
    items = [
        *_items(10),
        _sharing("m1", "server"),
        _sharing("m2", "server"),
        _sharing("m3", "server"),
    ]
    costs = {"m1": (10.0, 10.0), "m3": (9.0, 9.0), "t004": (15.0, 15.0), "t007": (12.0, 12.0)}
    ordered = [i.nodeid for i in schedule.slices(items, costs, 3)]  # type: ignore[arg-type]
    assert sorted(ordered) == sorted(i.nodeid for i in items)
    # slices of 4, 4, 5: the group (19 s, with its uncosted m2) first, then 15 and 12
    assert ordered[:3] == ["m1", "m2", "m3"]
    assert ordered[4] == "t004" and ordered[8] == "t007"


def test_a_group_no_slice_has_room_for_is_dealt_one_test_at_a_time() -> None:
    items = [*_items(2), *(_sharing(f"m{i}", "server") for i in range(4))]
    costs = {"m0": (10.0, 10.0), "m1": (9.0, 9.0), "m2": (8.0, 8.0)}
    ordered = [i.nodeid for i in schedule.slices(items, costs, 2)]  # type: ignore[arg-type]
    assert sorted(ordered) == sorted(i.nodeid for i in items)
    assert ordered[0] == "m0" and ordered[3] == "m1"  # slices of 3: apart, longest first
