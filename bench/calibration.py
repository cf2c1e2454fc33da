"""Print the engine's error on each public calibration point, with its source.

    .venv/bin/python bench/calibration.py
    .venv/bin/python bench/calibration.py --layout-405b   # issue 11's Llama 3.1 405B layout

Training and other points (published figure, source, tolerance) live in
tests/sizing_engine/calibration.py and calibration_training.py, the session-5 held-out training
runs (Megatron-LM papers, MLPerf Training logs, NeMo/Megatron-Bridge rows) in
calibration_heldout.py (``HELD_OUT``; session 6's AutoModel, Megatron-Bridge and MoE-ModelZoo
runs in ``HELD_OUT_6``, session 7's in ``HELD_OUT_7``); the serving points (TensorRT-LLM perf
overview, NVIDIA NIM) in tests/sizing_engine/calibration_serving.py, where ``held_out`` marks
the points kept out of the tuning. This prints both tables and the median |error| of the serving
points, on the points used for tuning and on the held-out ones: overall, within MoE and within
long context.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sizing_engine.calibration import POINTS  # noqa: E402
from tests.sizing_engine.calibration_heldout import HELD_OUT, HELD_OUT_6, HELD_OUT_7  # noqa: E402
from tests.sizing_engine.calibration_serving import POINTS as SERVING  # noqa: E402
from tests.sizing_engine.calibration_serving import ServingPoint  # noqa: E402
from tests.sizing_engine.calibration_training import TRAINING_POINTS  # noqa: E402


def _median(points: list[tuple[ServingPoint, float]]) -> str:
    if not points:
        return "—"
    return f"{statistics.median(abs(e) for _, e in points):.1%} (n={len(points)})"


def layout_405b() -> None:
    """The search's layout for Llama 3.1 405B at 8K on 2,048 nodes of 8 H100 (16M-token
    batch, the seed's fabric), its runners-up, and the published TP8 × CP1 × PP16 costed by
    the same step model (issue 11 acceptance)."""
    from tests.sizing_engine.calibration_training import LLAMA3_LAYOUT, run

    def show(label: str, r: dict[str, Any]) -> None:
        lay = r["layout"]
        print(
            f"{label}: {lay['label']}, ZeRO-{lay['zero_stage']}, {lay['recompute']} recompute, "
            f"micro-batch {lay['micro_batch_size']} x {lay['micro_batches']}; MFU {r['mfu']:.1%}, "
            f"{r['tokens_per_s_per_gpu']:,.1f} tokens/s/GPU; {r['binding_constraint']}"
        )
        print(f"  step time (s): {r['step_time']}")

    free = run("llama-3.1-405b", "h100-sxm5-80gb", 16384, 8192, tokens=15.6e12)
    show("search's pick", free)
    for c in free["runners_up"]:
        print(
            f"  runner-up {c['layout']}, ZeRO-{c['zero_stage']}, {c['recompute']}, mb "
            f"{c['micro_batch_size']}: MFU {c['mfu']:.1%}, step {c['step_s']} s, "
            f"{c['memory_per_gpu_gb']} GB"
        )
    published = run(
        "llama-3.1-405b", "h100-sxm5-80gb", 16384, 8192, tokens=15.6e12, **LLAMA3_LAYOUT
    )
    show("published TP8 CP1 PP16 (Llama 3 paper Table 4: MFU 41 %)", published)
    # the published runs' own fabric, 400 Gb/s per GPU (Llama 3: RoCE; DGX H100: 8x 400G), on
    # the training plan alone: the seed's node holds no NICs for it (the cluster layer refuses)
    for fabric in ("ethernet", "infiniband"):
        got = _plan(fabric, 400)
        print(f"on 400 Gb/s {fabric} per GPU, search's pick: {got}")


def _plan(fabric: str, gbps: float) -> str:
    """The training plan's pick and runners-up for the 405B run on ``gbps`` of ``fabric``."""
    from apps.sizing.engine import workplan
    from apps.sizing.engine.training import outcome
    from apps.sizing.engine.workload import parse_workload
    from tests.sizing_engine.helpers import CATALOG

    w = parse_workload(
        {
            "kind": "pretraining",
            "model": "llama-3.1-405b",
            "gpu": "h100-sxm5-80gb",
            "nodes": 2048,
            "fabric": fabric,
            "training": {"tokens": 15.6e12, "sequence_length": 8192},
            "assumptions": {"fabric_gbps_per_gpu": gbps},
        }
    )
    model, gpu = CATALOG.models["llama-3.1-405b"], CATALOG.gpus["h100-sxm5-80gb"]
    got = outcome(workplan.training_setup(w, model, gpu, 8), 16384)
    assert got is not None
    rows = [got.best, *got.result.runners_up]
    return "; ".join(
        f"{c.layout.label()} (mb {c.layout.micro_batch}) MFU {c.step.mfu:.1%}, "
        f"step {c.step.total_s:.3f} s"
        for c in rows
    )


def _gpu_of(name: str) -> str:
    for gpu in ("A100", "H200", "H100", "H800", "L40S"):
        if gpu in name:
            return gpu
    return "other"


def _held_out_medians() -> None:
    """Median |error| of the held-out ("check") training points: the sessions 1-4 set, the
    session-5 and session-6 sets (calibration_heldout.py) and all, dense and MoE, then by GPU
    and kind. A refused point counts as a 100 % error (a wrong refusal is the worst answer)."""
    old = [p for p in TRAINING_POINTS if p.role == "check"]
    five = [p for p in HELD_OUT if p.role == "check"]
    six = [p for p in HELD_OUT_6 if p.role == "check"]
    seven = [p for p in HELD_OUT_7 if p.role == "check"]
    new = five + six + seven
    groups: list[tuple[str, list[Any]]] = []
    sets = (("sessions 1-4", old), ("session 5", five), ("session 6", six), ("session 7", seven))
    sets = (*sets, ("all", old + new))
    for label, pts in sets:
        groups.append((f"{label}, dense", [p for p in pts if "MoE" not in p.name]))
        groups.append((f"{label}, MoE", [p for p in pts if "MoE" in p.name]))
    dense = [p for p in old + new if "MoE" not in p.name]
    for gpu in ("A100", "H100", "H200", "L40S"):
        groups.append((f"all dense on {gpu}", [p for p in dense if _gpu_of(p.name) == gpu]))
    tuning = ("LoRA", "SFT")
    groups.append(("all fine-tuning", [p for p in old + new if any(t in p.name for t in tuning)]))
    print()
    print("| held-out training points | n | median abs error | within 10 % | within 20 % |")
    print("|---|---|---|---|---|")
    for label, group in groups:
        errors = [_abs_error(p) for p in group]
        if not errors:
            continue
        print(
            f"| {label} | {len(errors)} | {statistics.median(errors):.1%} | "
            f"{sum(e <= 0.10 for e in errors)} | {sum(e <= 0.20 for e in errors)} |"
        )


def _abs_error(p: Any) -> float:
    """|error| of a point, 1.0 (100 %) when the engine refuses the published run."""
    try:
        return abs(float(p.error()))
    except Exception:  # noqa: BLE001 - a refusal of a run that was published
        return 1.0


def main() -> None:
    if "--layout-405b" in sys.argv:
        layout_405b()
        return
    print("| point | role | source | published | estimate | error | tolerance |")
    print("|---|---|---|---|---|---|---|")
    for p in POINTS + TRAINING_POINTS + HELD_OUT + HELD_OUT_6 + HELD_OUT_7:
        low, high = p.tolerance
        try:
            p.estimate()
        except Exception as exc:  # noqa: BLE001 - print the refusal instead of the figure
            print(f"| {p.name} | {p.role} | {p.source} | {p.published:,.3f} | refused: {exc} |")
            continue
        fmt = ",.3f" if p.published < 10 else ",.1f"
        print(
            f"| {p.name} | {p.role} | {p.source} | {p.published:{fmt}} {p.unit} | "
            f"{p.estimate():{fmt}} | {p.error():+.1%} | {low:+.0%} to {high:+.0%} |"
        )
    _held_out_medians()
    print()
    print("| serving point | source | published | estimate | error | held out | MoE | long |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [(p, p.error()) for p in SERVING]
    for p, e in rows:
        print(
            f"| {p.name} | {p.source} | {p.published:,.1f} {p.unit} | {p.estimate():,.1f} | "
            f"{e:+.1%} | {'yes' if p.held_out else ''} | {'yes' if p.moe else ''} | "
            f"{'yes' if p.long_context else ''} |"
        )
    print()
    print("| serving median abs error | overall | MoE | long context | dense |")
    print("|---|---|---|---|---|")
    for label, subset in (
        ("tuned on", [r for r in rows if not r[0].held_out]),
        ("held out", [r for r in rows if r[0].held_out]),
    ):
        print(
            f"| {label} | {_median(subset)} | {_median([r for r in subset if r[0].moe])} | "
            f"{_median([r for r in subset if r[0].long_context])} | "
            f"{_median([r for r in subset if not r[0].moe])} |"
        )


if __name__ == "__main__":
    main()
