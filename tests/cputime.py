"""Where the suite's CPU goes, per test: `pytest -p tests.cputime …` (opt-in; not loaded by
default). For each test (setup + call + teardown) it records the CPU of this process, of the
children it reaped (Celery workers, gunicorn, subprocesses) and of the live descendants (the
Playwright driver and Chromium, which live for the session), read from /proc, plus the CPU of
this process's PostgreSQL backend (same machine). Session-scoped work (the test database,
migrations, the catalog, Chromium's start) is charged to the first test that needs it.

At the end it prints the top tests and the sum per file, and with CPUTIME_OUT=path writes one
JSON line per test (nodeid, seconds by source) there, so runs can be compared or summed; under
pytest-xdist (-n) every process writes its rows there and the controller prints the sums.
`python -m tests.cputime --record tests/durations.json RUN.jsonl...` turns such files into the
per-test walls and CPU that order the suite under pytest-xdist (tests/schedule.py).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

_TICK = os.sysconf("SC_CLK_TCK")
_RESULTS: dict[str, dict[str, float]] = {}


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, reaped children's CPU s) of a process, from /proc/pid/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime) / _TICK, (cutime + cstime) / _TICK


def _children(pid: int) -> list[int]:
    """The child processes of `pid`, from its threads' /proc children lists (a child is listed
    under the thread that forked it)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in threads:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            continue
    return found


def _live_descendants_cpu(root: int) -> float:
    """The CPU of `root`'s live descendants, walking down from it: reading only their own
    /proc entries, not every process's (~10 ms a sample with 140 processes on the machine, two
    samples a test: ~25 s of the suite's CPU went to the measurement itself)."""
    total, stack = 0.0, _children(root)
    while stack:
        pid = stack.pop()
        st = _stat(pid)
        if st is None:
            continue
        total += st[1] + st[2]
        stack.extend(_children(pid))
    return total


def _postgres_backend_cpu() -> float:
    """CPU of the PostgreSQL backend serving this process's default connection (0 if none)."""
    try:
        from django.db import connection
    except Exception:  # noqa: BLE001 - Django not configured (engine tests)
        return 0.0
    if connection.vendor != "postgresql" or connection.connection is None:
        return 0.0
    pid = getattr(connection.connection.info, "backend_pid", None)
    st = _stat(int(pid)) if pid else None
    return st[1] if st else 0.0


def _sample() -> dict[str, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self": time.process_time(),
        "reaped": children.ru_utime + children.ru_stime,
        "live": _live_descendants_cpu(os.getpid()),
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before, pg_before, wall = _sample(), _postgres_backend_cpu(), time.monotonic()
    began = time.time()  # when, on the machine's clock: each process's timeline
    yield
    after, pg_after = _sample(), _postgres_backend_cpu()
    row = {key: round(after[key] - before[key], 3) for key in after}
    # A new connection (another backend) restarts the count: charge what the new one used.
    row["postgres"] = round(pg_after - pg_before if pg_after >= pg_before else pg_after, 3)
    row["children"] = round(row["reaped"] + row["live"], 3)
    row["total"] = round(row["self"] + row["children"], 3)
    row["wall"] = round(time.monotonic() - wall, 3)
    row["start"] = round(began, 3)
    row["process"] = os.environ.get("PYTEST_XDIST_WORKER", "main")  # type: ignore[assignment]
    prev = _RESULTS.get(item.nodeid)
    if prev is not None:  # items of one nodeid (schemathesis' operations): one row, their sum
        row = {k: v if k in ("start", "process") else round(v + row[k], 3) for k, v in prev.items()}
    _RESULTS[item.nodeid] = row


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Each process (every pytest-xdist worker too) appends its rows to CPUTIME_OUT, plus one
    row for the whole process: everything it and its descendants used, collection and start-up
    included (not the PostgreSQL backends); pytest-xdist's controlling process, its own."""
    out = os.environ.get("CPUTIME_OUT")
    controller = session.config.pluginmanager.has_plugin("dsession")  # pytest-xdist's
    if not out or not (_RESULTS or controller):
        return
    whole = _sample()
    if controller:  # its own CPU only: its children are the worker processes, counted apart
        whole["reaped"] = whole["live"] = 0.0
    name = "controller" if controller else os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(out, "a") as handle:
        for nodeid, row in _RESULTS.items():
            handle.write(json.dumps({"nodeid": nodeid, **row}) + "\n")
        process = {"self": whole["self"], "children": whole["reaped"] + whole["live"]}
        handle.write(json.dumps({"whole": name, **process}) + "\n")


def _rows() -> tuple[dict[str, dict[str, float]], list[dict[str, float]]]:
    out = os.environ.get("CPUTIME_OUT")
    if not out or not os.path.exists(out):
        return _RESULTS, []
    tests, processes = {}, []
    for line in Path(out).read_text().splitlines():
        row = json.loads(line)
        if "whole" in row:
            processes.append(row)
        else:
            tests[row.pop("nodeid")] = row
    return tests, processes


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if hasattr(config, "workerinput"):
        return
    results, processes = _rows()
    if not results:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "CPU per test (s): self + children (reaped + live), postgres")
    top = sorted(results.items(), key=lambda kv: -kv[1]["total"])[:40]
    for nodeid, row in top:
        write(
            f"{row['total']:8.2f} self {row['self']:7.2f} children {row['children']:7.2f} "
            f"pg {row['postgres']:6.2f} wall {row['wall']:7.2f}  {nodeid}"
        )
    files: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for nodeid, row in results.items():
        for key, value in row.items():
            if key not in ("process", "start"):
                files[nodeid.split("::")[0]][key] += value
        files[nodeid.split("::")[0]]["n"] += 1
    terminalreporter.write_sep("-", "CPU per file (s)")
    for name, row in sorted(files.items(), key=lambda kv: -kv[1]["total"]):
        write(
            f"{row['total']:8.2f} self {row['self']:7.2f} children {row['children']:7.2f} "
            f"pg {row['postgres']:6.2f} wall {row['wall']:7.2f} tests {int(row['n']):4d}  {name}"
        )
    keys = ("total", "self", "children", "postgres")
    total = {k: sum(r[k] for r in results.values()) for k in keys}
    write(
        f"tests: {total['total']:.2f} s CPU (self {total['self']:.2f}, children "
        f"{total['children']:.2f}), postgres backend {total['postgres']:.2f}, {len(results)} tests"
    )
    for row in processes:
        write(
            f"process {row['whole']}: {row['self'] + row['children']:.2f} s CPU in all "
            f"(self {row['self']:.2f}, children {row['children']:.2f}; start-up included)"
        )


def record(out: Path, inputs: list[Path], at_least: float = 1.0) -> int:
    """Write tests/durations.json (the order of the suite under pytest-xdist, tests/schedule.py):
    each test's wall seconds and CPU seconds (its own, its children's and its PostgreSQL
    backend's) from CPUTIME_OUT files, from the run where its wall was least (on a shared
    machine the least loaded), tests of at least `at_least` seconds, one a line. Returns how
    many it kept."""
    best: dict[str, tuple[float, float]] = {}
    for path in inputs:
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if "nodeid" not in row:
                continue
            # The session's last test sees Chromium's orphaned processes leave the count as
            # the browser closes (a negative total): that test used at least its own CPU.
            cpu = max(float(row["total"]), float(row["self"])) + float(row.get("postgres", 0.0))
            wall = float(row["wall"])
            if row["nodeid"] not in best or wall < best[row["nodeid"]][0]:
                best[row["nodeid"]] = (wall, cpu)
    kept = {k: v for k, v in sorted(best.items()) if v[0] >= at_least}
    lines = [
        f'{json.dumps(k)}: {{"wall": {wall:.1f}, "cpu": {cpu:.1f}}}'
        for k, (wall, cpu) in kept.items()
    ]
    out.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    return len(kept)


if __name__ == "__main__":  # python -m tests.cputime --record tests/durations.json A.jsonl B.jsonl
    import sys

    if len(sys.argv) < 4 or sys.argv[1] != "--record":
        sys.exit("usage: python -m tests.cputime --record tests/durations.json RUN.jsonl...")
    n = record(Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
    print(f"{sys.argv[2]}: {n} tests of at least 1 s")
