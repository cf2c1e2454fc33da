"""The order of the suite under pytest-xdist: the long tests first, spread over the processes
(hooks imported by tests/conftest.py; measured in bench/RESULTS.md, "Test suite, session 5").

`--dist worksteal` (scripts/test.sh) gives each process an equal-count contiguous slice of the
collection; a process whose slice is done takes the second half of the longest remaining
queue. In pytest-django's order (database tests, then transactional ones, then the rest) the
~60 transactional tests, which are most of the suite's wall time (fault tests waiting on
leases, restarts and outages; the Chromium journeys), all fall in one slice behind ~300 quick
database tests and start late, and whichever long test starts last decides when the run ends.
Here the tests recorded as long (tests/durations.json: seconds of wall and of CPU per test,
measured with tests/cputime.py; `python -m tests.cputime --record` rewrites it) are dealt
about longest first, each slice starts with its share, and the other tests keep their order
(so a module's tests stay together); a test that mostly waits is dealt to run beside ones that
use their core (`slices`); tests/schedsim.py plays an order offline against a recorded run.
Without xdist, or with one process, nothing moves (the slices are worksteal's; other `--dist`
modes get the same order).

pytest-django runs transactional tests after the others because their flush empties the test
database, and with it the catalog `django_db_setup` loads once; a database test that follows
one in the same process (as these slices make, and as work stealing could before) gets the
catalog loaded again first, so no test depends on which tests ran before it in its process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("durations.json")
# The next costed test is chosen among those at least this share of the longest left: close
# enough to longest-first that no long one is left to start late.
CHOICE = 0.5
_FLUSHED = {"catalog": False}  # this process: a transactional test emptied the test database


def _kind(item: pytest.Item) -> str:
    """'transactional', 'db' or 'none', as pytest-django orders tests (its get_order_number)."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if marker is not None:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return "transactional"
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return "transactional"
    return "db" if marker is not None or "db" in fixtures else "none"


def _shared(item: pytest.Item) -> tuple[str, ...] | None:
    """The module- or class-scoped fixtures `item` uses with its module's other tests (a
    subprocess's answers, a server), with the module: the key of the tests that must stay in one
    slice. Dealt apart, each slice set the fixture up again: the database-outage subprocess ran
    up to four times a run, ~2 s of CPU each."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    names = sorted(
        name
        for name, defs in info.name2fixturedefs.items()
        # the suite's own (a plugin's, such as pytest-django's class-scoped autouse fixture
        # of every test, have no base id): those are what a module's tests share
        if defs and defs[-1].baseid and defs[-1].scope in ("class", "module", "package")
    )
    return (str(item.path), *names) if names else None


Cost = tuple[float, float]  # a test's (wall seconds, CPU seconds), tests/durations.json


def read_costs(raw: dict[str, object]) -> dict[str, Cost]:
    """tests/durations.json's entries, {"wall": s, "cpu": s} (a bare number: wall seconds,
    the CPU unknown, taken as the same)."""
    costs: dict[str, Cost] = {}
    for nodeid, value in raw.items():
        if isinstance(value, dict):
            costs[nodeid] = (float(value["wall"]), float(value.get("cpu", value["wall"])))
        else:
            costs[nodeid] = (float(value), float(value))  # type: ignore[arg-type]
    return costs


def slices(
    items: list[pytest.Item], costs: dict[str, Cost], n: int, cores: int | None = None
) -> list[pytest.Item]:
    """`items` reordered into `n` consecutive slices of worksteal's sizes (process i's slice:
    what is left divided by the processes left), each starting with its share of the costed
    tests. A costed test brings the tests sharing its module-scoped fixtures (`_shared`) into
    its slice, their costs added, when the slice has room for them all.

    With more processes than `cores` (one more, scripts/test.sh) a core sits idle whenever two
    processes wait at once (on a worker's restart, an outage held for seconds, a live server),
    so the costed tests are dealt as a plan on a clock: the slice whose head ends first gets
    the next, chosen among the longest left for how well its CPU (seconds of CPU per second
    of wall) fills what the tests the other slices run then leave of the cores: a test that
    mostly waits beside CPU-bound ones, not beside another that waits. The longest go first,
    so those dealt last, that end the run, are short."""
    sizes, left = [], len(items)
    for i in range(n):
        sizes.append(left // (n - i))
        left -= sizes[-1]
    cores = cores or os.cpu_count() or 1
    groups: dict[tuple[str, ...], list[pytest.Item]] = {}
    for item in items:
        key = _shared(item)
        if key is not None:
            groups.setdefault(key, []).append(item)
    units: list[list[pytest.Item]] = []
    seen: set[int] = set()
    for item in items:
        if item.nodeid in costs and id(item) not in seen:
            key = _shared(item)
            unit = groups[key] if key is not None else [item]
            units.append(unit)
            seen.update(id(i) for i in unit)

    def cost(unit: list[pytest.Item]) -> Cost:
        wall = sum(costs[i.nodeid][0] for i in unit if i.nodeid in costs)
        return wall, sum(costs[i.nodeid][1] for i in unit if i.nodeid in costs)

    def rate(unit: list[pytest.Item]) -> float:  # cores it asks for while it runs
        wall, cpu = cost(unit)
        return min(cpu / wall, 1.0) if wall > 0 else 1.0

    units.sort(key=lambda unit: -cost(unit)[0])
    heads: list[list[pytest.Item]] = [[] for _ in range(n)]
    plan: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]  # (start, end, rate)
    clock = [0.0] * n

    def asks(j: int, t: float, mean: float) -> float:
        """What slice j asks of the cores at `t`: its planned test's rate; the mean rate of
        the tests left if it is to get its next one then; a whole core once its head is
        done (the quick tests after it are mostly CPU)."""
        planned = next((r for a, b, r in plan[j] if a <= t < b), None)
        if planned is not None:
            return planned
        return mean if t >= clock[j] and len(heads[j]) < sizes[j] else 1.0

    while units:
        fits = [k for k in range(n) if len(heads[k]) + min(len(u) for u in units) <= sizes[k]]
        if not fits:  # no slice has room for any group: dealt one test at a time
            units = sorted(
                ([i] for u in units for i in u if i.nodeid in costs), key=lambda u: -cost(u)[0]
            )
            continue
        k = min(fits, key=lambda k: (clock[k], k))
        mean = sum(rate(u) for u in units) / len(units)
        room = cores - sum(asks(j, clock[k], mean) for j in range(n) if j != k)
        longest = cost(units[0])[0]
        near = [u for u in units if cost(u)[0] >= CHOICE * longest]
        unit = min(near, key=lambda u: abs(rate(u) - min(max(room, 0.0), 1.0)))
        roomy = [j for j in fits if len(heads[j]) + len(unit) <= sizes[j]]
        if not roomy:  # a group no slice has room for: its costed tests dealt one by one
            units.remove(unit)
            units = sorted(
                [[i] for i in unit if i.nodeid in costs] + units, key=lambda u: -cost(u)[0]
            )
            continue
        if k not in roomy:  # the next slice to be free has no room for it: the one after
            k = min(roomy, key=lambda j: (clock[j], j))
        units.remove(unit)
        wall = cost(unit)[0]
        plan[k].append((clock[k], clock[k] + wall, rate(unit)))
        clock[k] += wall
        heads[k] += unit
    chosen = {id(i) for head in heads for i in head}
    rest = iter([i for i in items if id(i) not in chosen])
    ordered: list[pytest.Item] = []
    for k in range(n):
        ordered += heads[k]
        ordered += [next(rest) for _ in range(sizes[k] - len(heads[k]))]
    return ordered


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A pytest-xdist process (whose own `dist` option reads "no") knows how many there are.
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers < 2 or not DURATIONS.exists():
        return
    costs = read_costs(json.loads(DURATIONS.read_text()))
    items[:] = slices(items, costs, workers)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a database test's fixtures: the catalog again if a transactional test of this
    process flushed it (outside the test's transaction, so later tests keep it)."""
    if not _FLUSHED["catalog"] or _kind(item) != "db":
        return
    from pytest_django.plugin import blocking_manager_key

    from apps.catalog.services import catalog_import
    from tests.conftest import CATALOG_DIR

    with item.config.stash[blocking_manager_key].unblock():
        catalog_import(CATALOG_DIR)
    _FLUSHED["catalog"] = False


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _kind(item) == "transactional":
        _FLUSHED["catalog"] = True
