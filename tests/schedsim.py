"""A simulator of the suite under pytest-xdist, to compare orders (tests/schedule.py) offline
instead of with whole-suite runs on a shared 2-core machine:

    CPUTIME_RUN=RUN.jsonl [SCHEDSIM_OTHER=old_schedule.py] \
        .venv/bin/python -m pytest --collect-only -q -p tests.schedsim

It takes this collection, orders it as each xdist process would (`schedule.slices`, with
tests/durations.json; SCHEDSIM_OTHER: another version of tests/schedule.py, say the one of an
earlier commit, for comparison) and plays it as `--dist worksteal` does (each process its slice;
a process down to its last test takes the second half of the longest queue), each test needing
its CPU seconds (its own, its children's and its PostgreSQL backend's, from RUN.jsonl, written
by tests/cputime.py) over at least its uncontended wall, on SCHEDSIM_CORES cores (2) shared
evenly by the running tests (a test asking for more than its share slows down by the ratio).

A test's uncontended wall is not measured (the run that measured it shared the cores): it is
fitted, by replaying RUN.jsonl's own run (each process's tests in the order they ran) and
shrinking each test's wall until the replay gives back its measured wall. The prediction is
printed for that replay (to check the model against the measured end), for SCHEDSIM_OTHER and
for this tree's order, with the CPU use over time (per 20 s) of each.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

CORES = float(os.environ.get("SCHEDSIM_CORES", "2"))
BIN = 20.0


@dataclass
class Need:
    cpu: float  # CPU seconds, all sources
    wall: float  # uncontended wall (fitted)


def load_run(path: Path) -> tuple[dict[str, Need], dict[str, list[str]], dict[str, float]]:
    """Per test: its need (measured wall, for now), each process's tests in the order they ran,
    and each test's measured wall."""
    needs: dict[str, Need] = {}
    count: dict[str, int] = {}
    ran: dict[str, list[tuple[float, str]]] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if "nodeid" not in row:
            continue
        # Chromium's orphaned processes leave the count when the browser closes at the end of
        # the session: that test's total goes negative (tests/cputime.py); it used its own.
        cpu = max(float(row["total"]), float(row["self"])) + float(row.get("postgres", 0.0))
        wall = max(float(row["wall"]), 1e-3)
        # rows of one nodeid (schemathesis' operations, one item each): their mean, per item
        k = count[row["nodeid"]] = count.get(row["nodeid"], 0) + 1
        prev = needs.get(row["nodeid"], Need(0.0, 0.0))
        needs[row["nodeid"]] = Need(
            prev.cpu + (cpu - prev.cpu) / k, prev.wall + (wall - prev.wall) / k
        )
        ran.setdefault(row["process"], []).append((float(row["start"]), row["nodeid"]))
    order = {p: [n for _, n in sorted(rows)] for p, rows in ran.items()}
    measured = {n: need.wall for n, need in needs.items()}
    return needs, order, measured


def play(
    queues: list[list[str]], needs: dict[str, Need], steal: bool = True
) -> tuple[float, dict[str, float], list[float]]:
    """Run `queues` (one per process) on CORES cores. Returns the end, each test's simulated
    wall, and the CPU used per BIN seconds (in cores)."""
    queues = [list(q) for q in queues]
    running: list[tuple[str, float] | None] = [None] * len(queues)  # (nodeid, work left)
    started: dict[str, float] = {}
    walls: dict[str, float] = {}
    used: list[float] = []
    now = 0.0

    def rate(name: str) -> float:  # cores a test asks for while it runs
        need = needs.get(name, Need(0.0, 1e-3))
        return min(need.cpu / max(need.wall, 1e-3), CORES)

    def take(k: int) -> None:
        if not queues[k]:
            running[k] = None
            return
        name = queues[k].pop(0)
        started[name] = now
        running[k] = (name, needs.get(name, Need(0.0, 1e-3)).wall)
        # worksteal: a process with only its current test left takes the second half of the
        # longest queue (xdist counts the running test as pending: MIN_PENDING = 2)
        if steal and not queues[k]:
            victim = max(range(len(queues)), key=lambda j: len(queues[j]) + 1)
            pending = len(queues[victim]) + 1
            n = min(pending // 2, pending - 2)
            if n > 0:
                queues[k] = queues[victim][-n:]
                del queues[victim][-n:]

    for k in range(len(queues)):
        take(k)
    while any(running):
        demand = sum(rate(r[0]) for r in running if r)
        speed = min(1.0, CORES / demand) if demand > 0 else 1.0
        step = min(r[1] for r in running if r) / speed
        # CPU use over time, for the profile
        a, b = now, now + step
        while a < b - 1e-9:
            i = int(a // BIN)
            while len(used) <= i:
                used.append(0.0)
            end = min((i + 1) * BIN, b)
            used[i] += demand * speed * (end - a) / BIN
            a = end
        now = b
        for k, r in enumerate(running):
            if r is None:
                continue
            left = r[1] - step * speed
            if left <= 1e-9:
                walls[r[0]] = now - started[r[0]]
                take(k)
            else:
                running[k] = (r[0], left)
    return now, walls, used


def fit(needs: dict[str, Need], order: dict[str, list[str]], measured: dict[str, float]) -> float:
    """Shrink each test's wall so the replay of its run gives back the measured walls; the
    replay's end."""
    queues = [order[p] for p in sorted(order)]
    end = 0.0
    for _ in range(8):
        end, walls, _ = play(queues, needs, steal=False)
        for name, need in needs.items():
            if name in walls and walls[name] > 0:
                need.wall = max(need.wall * measured[name] / walls[name], need.cpu / CORES, 1e-3)
    return end


def _module(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("schedsim_other", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _costs_for(module: ModuleType, path: Path) -> dict[str, object]:
    """durations.json as `module` reads it (an older schedule.py reads bare wall seconds)."""
    raw = json.loads(path.read_text())
    if hasattr(module, "read_costs"):
        return dict(module.read_costs(raw))
    return {k: float(v["wall"] if isinstance(v, dict) else v) for k, v in raw.items()}


def _line(name: str, end: float, used: list[float]) -> str:
    profile = " ".join(f"{100 * u:.0f}" for u in used)
    return f"{name:>10}: {end:6.1f} s, CPU % per {BIN:.0f} s: {profile}"


def pytest_collection_finish(session: pytest.Session) -> None:
    run = os.environ.get("CPUTIME_RUN")
    if not run:
        return
    needs, order, measured = load_run(Path(run))
    replay_end = fit(needs, order, measured)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write: Callable[[str], None] = reporter.write_line if reporter else print
    rows = [json.loads(x) for x in Path(run).read_text().splitlines()]
    starts = [r["start"] for r in rows if "nodeid" in r]
    real_end = max(r["start"] + r["wall"] for r in rows if "nodeid" in r) - min(starts)
    write(f"measured run: tests from first start to last end {real_end:.1f} s")
    _, _, used = play([order[p] for p in sorted(order)], needs, steal=False)
    write(_line("replay", replay_end, used))
    from tests import schedule

    versions = [("this tree", schedule, schedule.DURATIONS)]
    if os.environ.get("SCHEDSIM_OTHER"):
        durations = Path(os.environ.get("SCHEDSIM_OTHER_DURATIONS") or schedule.DURATIONS)
        versions.insert(0, ("other", _module(os.environ["SCHEDSIM_OTHER"]), durations))
    n = int(os.environ.get("SCHEDSIM_PROCESSES", "3"))
    for name, module, path in versions:
        ordered = module.slices(list(session.items), _costs_for(module, path), n)
        sizes, left = [], len(ordered)
        for i in range(n):
            sizes.append(left // (n - i))
            left -= sizes[-1]
        queues, at = [], 0
        for size in sizes:
            queues.append([i.nodeid for i in ordered[at : at + size]])
            at += size
        end, _, used = play(queues, needs)
        write(_line(name, end, used))
