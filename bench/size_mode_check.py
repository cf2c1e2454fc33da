"""Size mode's node count, checked (issue 11): every answer of ``training.plan.required`` over a
broad set of training sizings re-checked with fresh full searches (a new setup each, so no
warm start or memo of the sizing helps): the answer N meets the deadline, N - 1 misses, and
the counts N - K .. N + 2 meet from N on only (meets is monotone near the answer). Not a test
(about a minute of CPU); a check for changes to the node search.

Run (the old engine from a copy of main, e.g. ``git archive main | tar -x -C /tmp/base``):

    python bench/size_mode_check.py dump /tmp/base /tmp/old.json
    python bench/size_mode_check.py dump . /tmp/new.json
    python bench/size_mode_check.py compare /tmp/old.json /tmp/new.json

``dump`` sizes every workload of ``cases()`` under the given source tree, records each
``required`` call (GPU, fabric, kind, deadline, answer, node counts searched), checks it as
above and writes the results' ``to_dict()`` and the checks. ``compare`` prints how many
answers changed between two dumps and whether each changed one is a smaller count that meets
with the count below it missing (the only change allowed: an oversized answer fixed).
The set: every catalog model, 4 (tokens, deadline) pairs over every training kind with the
GPU and fabric chosen automatically (every orderable GPU on both fabrics), every GPU alone on
Ethernet, and capacity mode on 1-40 nodes of every GPU (those are not checked, only compared).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

KINDS = ("pretraining", "full_finetune", "lora", "qlora")
PAIRS = ((2e12, 30), (1e11, 10), (1e10, 2), (5e11, 60))  # tokens, target days


def cases(models: list[str], gpus: list[str]) -> list[dict[str, Any]]:
    """The workloads, in a fixed order."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(models):
        for j, (tokens, days) in enumerate(PAIRS):
            tr: dict[str, Any] = {"tokens": tokens, "target_days": days}
            if j == 1:
                tr["sequence_length"] = 8192
            kind = KINDS[(i + j) % 4]
            out.append({"kind": kind, "model": m, "gpu": "auto", "fabric": "auto", "training": tr})
        for g in gpus:
            out.append(
                {
                    "kind": KINDS[i % 4],
                    "model": m,
                    "gpu": g,
                    "fabric": "ethernet",
                    "training": {"tokens": 3e11, "target_days": 14},
                }
            )
            out.append(
                {
                    "kind": KINDS[(i + 1) % 4],
                    "model": m,
                    "gpu": g,
                    "nodes": 1 + (i * 7) % 40,
                    "training": {"tokens": 1e11},
                }
            )
    return out


def dump(root: Path, target: Path, below: int = 6) -> None:
    sys.path.insert(0, str(root))
    import apps.sizing.engine.training as tr
    from apps.sizing.engine import size, snapshot_from_csv_dir
    from apps.sizing.engine.errors import SizingInputError
    from apps.sizing.engine.training import plan

    catalog = snapshot_from_csv_dir(root / "fixtures" / "catalog")
    calls: list[tuple[Any, float, int, int, float]] = []
    original = plan.required

    def required(st: Any, days: float, *hints: Any) -> Any:  # faster, guess_from
        got = original(st, days, *hints)
        calls.append((st, days, got[0].gpus // st.gpus_per_node, got[1], got[0].days))
        return got

    plan.required = required  # type: ignore[assignment]
    tr.required = required  # type: ignore[attr-defined]
    results: dict[str, str] = {}
    t0 = time.process_time()
    for case in cases(sorted(catalog.models), sorted(catalog.gpus)):
        try:
            text = json.dumps(size(case, catalog).to_dict(), sort_keys=True)
        except SizingInputError as exc:
            text = "refused " + json.dumps(exc.field_errors, sort_keys=True)
        results[json.dumps(case, sort_keys=True)] = text
    sized = time.process_time() - t0

    def days_at(st: Any, nodes: int) -> float | None:
        o = plan.outcome(replace(st), nodes * st.gpus_per_node)  # a fresh setup: no memo
        return None if o is None else float(o.days)

    rows = []
    for st, deadline, n, counts, days in calls:
        seq = {k: days_at(st, k) for k in range(max(1, n - below), n + 3)}
        meet = {k: v is not None and v <= deadline + 1e-9 for k, v in seq.items()}
        ks = sorted(seq)
        rows.append(
            {
                "case": [st.model.slug, st.gpu.slug, st.fabric, st.kind, deadline, st.seq],
                "nodes": n,
                "counts": counts,
                "days": days,
                "fresh": seq,
                "meets": meet[n],
                "below_misses": n == 1 or not meet[n - 1],
                "monotone": all(meet[a] <= meet[b] for a, b in zip(ks, ks[1:], strict=False)),
                "same_days_fresh": seq[n] == days,
            }
        )
    bad = [r for r in rows if not (r["meets"] and r["below_misses"] and r["monotone"])]
    print(
        f"{len(results)} workloads sized in {sized:.1f} s CPU by {root}; {len(rows)} size-mode "
        f"answers, {sum(r['counts'] for r in rows)} node counts searched; checked with fresh "
        f"full searches: N meets {sum(r['meets'] for r in rows)}, N - 1 misses "
        f"{sum(r['below_misses'] for r in rows)}, meets monotone over N-{below}..N+2 "
        f"{sum(r['monotone'] for r in rows)}, days at N = a fresh search's "
        f"{sum(r['same_days_fresh'] for r in rows)}; failing {len(bad)}"
    )
    for r in bad:
        print("  FAIL", r["case"], r["nodes"], r["fresh"])
    target.write_text(json.dumps({"rows": rows, "results": results}, sort_keys=True))


def compare(old: Path, new: Path) -> None:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    ra, rb = a["results"], b["results"]
    differ = [k for k in ra if ra[k] != rb.get(k)]
    print(f"{len(ra)} workloads, {len(differ)} results differ (any field)")
    old_rows = {json.dumps(r["case"]): r for r in a["rows"]}
    new_rows = {json.dumps(r["case"]): r for r in b["rows"]}
    changed = [
        (k, old_rows[k], r) for k, r in new_rows.items() if old_rows[k]["nodes"] != r["nodes"]
    ]
    good = [
        c
        for c in changed
        if c[2]["nodes"] < c[1]["nodes"] and c[2]["meets"] and c[2]["below_misses"]
    ]
    print(
        f"{len(new_rows)} size-mode answers, {len(changed)} changed, {len(good)} of them a smaller "
        f"count that meets with the count below missing; node counts searched "
        f"{sum(r['counts'] for r in a['rows'])} -> {sum(r['counts'] for r in b['rows'])}"
    )
    for k, o, n in changed:
        print(f"  {k}: {o['nodes']} -> {n['nodes']} nodes, fresh days {n['fresh']}")


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(Path(sys.argv[2]).resolve(), Path(sys.argv[3]), *(int(x) for x in sys.argv[4:5]))
    else:
        compare(Path(sys.argv[2]), Path(sys.argv[3]))
