"""Where the instructions of one automatic training sizing go, search by search (issue 11;
prints figures, not a test).

bench_engine.py's "training auto (GPUs x fabrics)" case, sized as bench_engine_callgrind.py
sizes it, runs under valgrind's callgrind with a dump before every ``os.getppid()``: the run
marks each boundary of interest with that call (the engine is unchanged; the marks are made by
wrapping ``search._search`` and ``workplan.training_required`` from outside, after two warm-up
sizings), so each dump holds the instructions between two marks. Printed: every layout search
of the third sizing (GPU, fabric, nodes, decision / best-only / full) with its instructions,
what each candidate spends outside its searches, and the total, which matches
bench_engine_callgrind.py's per-sizing figure to within the marks' own cost (~0.1 %).

With ``--functions module:name ...`` the marks wrap those functions instead (each call's
instructions go to the innermost wrapped function running, the rest to "inside no function
named"), e.g. ``apps.sizing.engine.training.space:min_pp``; a wrapped call costs ~2-3 k
instructions of its own, so counts for functions called thousands of times read high.
``--search`` limits the count to one search, named as the default output names it
("h100-nvl in 120 dec").

    .venv/bin/python bench/bench_engine_phases.py [--functions ...] [--search "..."]
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SEARCH = "apps.sizing.engine.training.search"
WARM_UP = 2  # sizings before the counted one (bytecode, first-call caches)
REST = "the rest (api, auto, setups, clusters, the chosen result)"


def _label(ctx: Any, gpus: int, need: float, best_only: bool) -> str:
    kind = "dec" if need else ("best" if best_only else "full")
    st = ctx.st
    return f"{st.gpu.slug[:8]} {st.fabric[:2]} {gpus // st.gpus_per_node} {kind}"


def _run(out: Path, functions: list[str], only: str | None) -> None:
    """The process under valgrind: warm up, then mark and size once; the marks' labels go to
    ``out`` (the dumps are numbered in the same order)."""
    import bench_engine_callgrind

    once = bench_engine_callgrind.sizing("auto")
    events: list[str | None] = []  # a label entered, None: the innermost one left
    marking = [False]
    counting = [False]  # the counted sizing (after the warm-up)

    def mark(event: str | None) -> None:
        if marking[0]:
            events.append(event)
            os.getppid()

    def wrap(module: Any, name: str, label: Callable[..., str]) -> None:
        inner = getattr(module, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not marking[0]:
                return inner(*args, **kwargs)
            mark(label(*args, **kwargs))
            try:
                return inner(*args, **kwargs)
            finally:
                mark(None)

        for loaded in list(sys.modules.values()):  # the module and its importers by name
            if getattr(loaded, "__name__", "").startswith("apps.sizing") and (
                getattr(loaded, name, None) is inner
            ):
                setattr(loaded, name, wrapped)

    search = importlib.import_module(SEARCH)
    if functions:
        for spec in functions:
            module, name = spec.rsplit(":", 1)
            wrap(importlib.import_module(module), name, lambda *a, _n=name, **k: _n)
    else:
        wrap(search, "_search", lambda ctx, gpus, need=0.0, best_only=False: "search")
        workplan = importlib.import_module("apps.sizing.engine.workplan")
        wrap(
            workplan,
            "training_required",
            lambda w, model, gpu, *a, **k: f"{gpu.slug[:8]} {w.fabric[:2]} outside its searches",
        )
    if only is not None:  # count one search alone: mark only while it runs
        inner = search._search

        def one(ctx: Any, gpus: int, need: float = 0.0, best_only: bool = False) -> Any:
            if not counting[0] or _label(ctx, gpus, need, best_only) != only:
                return inner(ctx, gpus, need, best_only)
            marking[0] = True
            mark("start")
            try:
                return inner(ctx, gpus, need, best_only)
            finally:
                mark("end")
                marking[0] = False

        search._search = one
    labels: list[str] = []
    if not functions:  # the search labels, in order (the wrapper above names them "search")
        named = search._search

        def labelled(ctx: Any, gpus: int, need: float = 0.0, best_only: bool = False) -> Any:
            if marking[0]:
                labels.append(_label(ctx, gpus, need, best_only))
            return named(ctx, gpus, need, best_only)

        search._search = labelled
    for _ in range(WARM_UP):
        once()
    counting[0] = True
    if only is None:
        marking[0] = True
        mark("start")
    once()
    if only is None:
        mark("end")
    out.write_text(json.dumps({"events": events, "labels": labels}))


def _costs(tmp: Path) -> list[int]:
    """Instructions of each dump, in dump order."""
    found: dict[int, int] = {}
    for path in tmp.glob("cg.out.*"):
        number = int(path.name.rsplit(".", 1)[1])
        text = path.read_text()
        got = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
        if got is None:
            raise SystemExit(f"no total in {path}")
        found[number] = int(got.group(1))
    return [found[n] for n in sorted(found)]


def _attribute(
    events: list[str | None], labels: list[str], costs: list[int], rest: str
) -> list[tuple[str, int, int]]:
    """Each mark's interval to the innermost label running (the searches by name), with the
    calls of each label; ``rest``: the name of what runs inside no label."""
    first = len(costs) - len(events)  # the dumps before the marks (none expected)
    stack: list[str] = []
    named = iter(labels)
    out: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    order: list[str] = []
    for i, event in enumerate(events):
        if i > 0 and event != "start":  # (the dump before a start: not counted)
            top = stack[-1] if stack else rest
            if top not in out:
                order.append(top)
            out[top] += costs[first + i]
        if event in ("start", "end"):
            continue
        if event is None:
            stack.pop()
            continue
        stack.append(f"search {next(named)}" if event == "search" else event)
        calls[stack[-1]] += 1
    return [(name, out[name], calls[name]) for name in order]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", nargs="+", default=[], metavar="MODULE:NAME")
    parser.add_argument("--search", help='one search alone, e.g. "h100-nvl in 120 dec"')
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        _run(Path(args.run), args.functions, args.search)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-engine-phases-") as name:
        tmp = Path(name)
        command = [sys.executable, str(Path(__file__).resolve()), "--run", str(tmp / "marks")]
        if args.functions:
            command += ["--functions", *args.functions]
        if args.search:
            command += ["--search", args.search]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(
            ["setarch", "-R", "valgrind", "--tool=callgrind", "--dump-before=os_getppid"]
            + [f"--callgrind-out-file={tmp / 'cg.out'}", *command],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        marks = json.loads((tmp / "marks").read_text())
        rest = "inside no function named" if args.functions else REST
        rows = _attribute(marks["events"], marks["labels"], _costs(tmp), rest)
    width = max(len(name) for name, _, _ in rows)
    for name, cost, calls in rows if not args.functions else sorted(rows, key=lambda r: -r[1]):
        print(f"{name:{width}}  {cost / 1e6:8.2f} M" + (f"  {calls:6} calls" if calls else ""))
    print(f"{'total':{width}}  {sum(c for _, c, _ in rows) / 1e6:8.2f} M")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
