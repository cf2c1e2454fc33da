"""Old engine vs new engine on a broad sample of workloads: byte-identical results or a list
of the differences (a check for speed work that must not change any answer; not a test).

Run (the old engine from a copy of main, e.g. ``git archive main | tar -x -C /tmp/base``):

    python bench/engine_identical.py dump /tmp/base /tmp/old.json
    python bench/engine_identical.py dump . /tmp/new.json
    python bench/engine_identical.py compare /tmp/old.json /tmp/new.json

``dump`` sizes every workload of ``cases()`` with the engine under the given source tree and
writes each result's ``to_dict()`` as canonical JSON (or the refusal's field errors).
The sample: 4,123 inference workloads (31 models × 6 GPUs and auto × users, prompts, targets,
precisions, capacity mode: the set of session 3), bench_api's workload with 150 prompt lengths
on 1-4 nodes and both fabrics, capacity mode on 1/2/4 nodes of each GPU × fabric, batch
limits, fixed TP/PP/EP, KV precisions, prefill chunks, redundancy, virtual deployment, and
every training kind on fixed and sized clusters.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def cases(models: list[str], gpus: list[str], moe: set[str]) -> list[dict[str, Any]]:
    """The workloads, in a fixed order."""
    out: list[dict[str, Any]] = []
    inf = "inference"
    for m in models:  # session 3's 4,123
        for g in [*gpus, "auto"]:
            for users in (1, 7, 64, 900):
                for prompt, outp in ((128, 64), (1024, 256), (8000, 1000)):
                    out.append(
                        {
                            "kind": inf,
                            "model": m,
                            "gpu": g,
                            inf: {
                                "concurrent_users": users,
                                "prompt_tokens": prompt,
                                "output_tokens": outp,
                            },
                        }
                    )
            for nodes in (1, 3):
                out.append(
                    {"kind": inf, "model": m, "gpu": g if g != "auto" else gpus[0], "nodes": nodes}
                )
            for tps, ttft in ((30.0, 0.5), (5.0, 10.0), (60.0, 1.0)):
                out.append(
                    {
                        "kind": inf,
                        "model": m,
                        "gpu": g,
                        inf: {
                            "concurrent_users": 200,
                            "target_tokens_per_s_per_user": tps,
                            "target_ttft_s": ttft,
                        },
                    }
                )
            out.append(
                {
                    "kind": inf,
                    "model": m,
                    "gpu": g,
                    "precision": "fp8",
                    inf: {"concurrent_users": 300},
                }
            )
            out.append(
                {
                    "kind": inf,
                    "model": m,
                    "gpu": g,
                    "precision": "int4",
                    inf: {"concurrent_users": 50, "prompt_tokens": 30000},
                }
            )
    for p in range(1001, 1151):  # bench_api's distinct workload
        out.append(
            {
                "kind": inf,
                "model": "llama-2-70b",
                "gpu": "h100-pcie-80gb",
                "nodes": 1 + p % 4,
                "fabric": ("infiniband", "ethernet")[p % 2],
                inf: {"concurrent_users": 100, "prompt_tokens": p, "output_tokens": 300},
            }
        )
    for m in models:  # capacity mode, both fabrics, targets and batch limits
        for g in gpus:
            for nodes in (1, 2, 4):
                for fabric in ("infiniband", "ethernet"):
                    out.append(
                        {
                            "kind": inf,
                            "model": m,
                            "gpu": g,
                            "nodes": nodes,
                            "fabric": fabric,
                            inf: {"concurrent_users": 37 * nodes, "prompt_tokens": 700 + nodes},
                        }
                    )
            out.append(
                {
                    "kind": inf,
                    "model": m,
                    "gpu": g,
                    "nodes": 2,
                    inf: {"target_tokens_per_s_per_user": 25.0, "target_ttft_s": 0.8},
                    "assumptions": {"max_batch_per_replica": 24},
                }
            )
            out.append(
                {
                    "kind": inf,
                    "model": m,
                    "gpu": g,
                    inf: {"concurrent_users": 150, "output_tokens": 2000},
                    "assumptions": {"max_batch_per_replica": 8, "decode_step_overhead_us": 400},
                    "redundancy": "n+1",
                }
            )
    for m in models:  # fixed degrees, KV precisions, chunks, deployment
        for g in gpus[:3]:
            for tp, pp in ((1, None), (2, 1), (4, 2), (8, None), (None, 2)):
                body: dict[str, Any] = {"concurrent_users": 60, "prefill_chunk_tokens": 512}
                if tp:
                    body["tensor_parallel"] = tp
                if pp:
                    body["pipeline_parallel"] = pp
                if m in moe:
                    body["expert_parallel"] = "ep" if tp == 2 else "none"
                out.append({"kind": inf, "model": m, "gpu": g, inf: body})
            for kv in ("fp8", "int8", "fp16"):
                out.append(
                    {
                        "kind": inf,
                        "model": m,
                        "gpu": g,
                        "deployment": "virtual",
                        inf: {"concurrent_users": 80, "kv_cache_precision": kv},
                    }
                )
        if m in moe:
            out.append(
                {
                    "kind": inf,
                    "model": m,
                    "gpu": gpus[0],
                    "nodes": 4,
                    inf: {"expert_parallel": "wide", "concurrent_users": 400},
                }
            )
    training = ("pretraining", "full_finetune", "lora", "qlora")
    for i, m in enumerate(models[::3]):  # every training kind, fixed and sized clusters
        for j, g in enumerate(gpus):
            kind = training[(i + j) % 4]
            out.append(
                {
                    "kind": kind,
                    "model": m,
                    "gpu": g,
                    "nodes": 2 + j,
                    "fabric": ("infiniband", "ethernet")[j % 2],
                    "training": {"tokens": 1e10},
                }
            )
            out.append(
                {
                    "kind": kind,
                    "model": m,
                    "gpu": g,
                    "training": {"tokens": 2e10, "target_days": 3},
                }
            )
    return out


def dump(root: Path, target: Path) -> None:
    """Size every case with the engine under ``root``; write {case: result JSON}."""
    sys.path.insert(0, str(root.resolve()))
    from apps.sizing.engine import size, snapshot_from_csv_dir
    from apps.sizing.engine.errors import SizingInputError

    catalog = snapshot_from_csv_dir(root / "fixtures" / "catalog")
    moe = {slug for slug, m in catalog.models.items() if m.experts > 1}
    todo = cases(sorted(catalog.models), sorted(catalog.gpus), moe)
    results: dict[str, str] = {}
    start = time.process_time()
    for case in todo:
        try:
            text = json.dumps(size(case, catalog).to_dict(), sort_keys=True)
        except SizingInputError as exc:
            text = "refused " + json.dumps(exc.field_errors, sort_keys=True)
        except Exception as exc:  # noqa: BLE001 - a crash is a result to compare too
            text = f"crashed {type(exc).__name__}: {exc}"
        results[json.dumps(case, sort_keys=True)] = text
    spent = time.process_time() - start
    refused = sum(v.startswith("refused") for v in results.values())
    print(f"{len(todo)} workloads ({refused} refused) sized in {spent:.1f} s CPU by {root}")
    target.write_text(json.dumps(results, indent=0, sort_keys=True))


def compare(old: Path, new: Path) -> int:
    """Print how many results differ (and the first few); 0 if all are identical."""
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    if a.keys() != b.keys():
        print("the two dumps hold different workloads")
        return 1
    differ = [k for k in a if a[k] != b[k]]
    print(f"{len(a)} distinct workloads: {len(a) - len(differ)} identical, {len(differ)} differ")
    for k in differ[:5]:
        print("  ", k)
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
