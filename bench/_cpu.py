"""CPU time of the bench stack's processes, read from /proc (Linux): what each part of a run
costs (issue 16 judges CPU time, not wall clock, on a shared box).

A group is a root pid and every live descendant. Its CPU is the sum over those processes of
utime + stime + cutime + cstime (the last two: children that ended and were waited for, e.g.
Celery pool children recycled after 50 tasks), so processes that come and go are counted once.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, own + waited-for children's CPU seconds) or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, (utime + stime + cutime + cstime) / TICK


def _all() -> dict[int, tuple[int, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                out[int(entry)] = stat
    return out


def tree_cpu(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each named process tree, from one scan of /proc."""
    procs = _all()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[str, float] = {}
    for name, root in roots.items():
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            if pid in procs:
                total += procs[pid][1]
                todo.extend(children.get(pid, []))
        out[name] = total
    return out


def self_cpu() -> float:
    """This process's CPU seconds (every thread): the load generator's own cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Meter:
    """CPU seconds per group between start() and stop(); the load generator is this process."""

    roots: Callable[[], dict[str, int]]
    started: dict[str, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)

    def _now(self) -> dict[str, float]:
        return {**tree_cpu(self.roots()), "load generator": self_cpu()}

    def start(self) -> None:
        self.started = self._now()

    def stop(self) -> dict[str, float]:
        now = self._now()
        self.spent = {k: max(0.0, now[k] - self.started.get(k, 0.0)) for k in now}
        return self.spent
