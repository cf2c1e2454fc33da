"""What the engine charges in short training steps, against the published step (issue 11).

    .venv/bin/python bench/short_steps.py

For each MLPerf Llama 2 70B LoRA run in tests/sizing_engine/calibration_heldout.py (seq 8,192,
FP8, rank 16, PP1, micro-batch 1; published samples/s from the logs' median ``tracked_stats``),
prints the published step (global batch ÷ samples/s), the engine's step and breakdown, the gap
(published − engine, per step and per layer-micro-batch), and the latency (alpha) terms the
engine's collectives charge in that step, with the step-end all-reduces it does not charge
(gradient norm and loss over the DP group: ring 2(n−1)·α and tree 2·log2(n)·α on the fabric's
hop latency). It shows that every latency term together is a few milliseconds, not the
~0.1 s the CP2 rows miss (docs/sizing-engine.md "Short steps, session 7"). Not a test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.sizing.engine import workplan  # noqa: E402
from apps.sizing.engine.api import resolve_model  # noqa: E402
from apps.sizing.engine.training import outcome  # noqa: E402
from apps.sizing.engine.training.step import context  # noqa: E402
from apps.sizing.engine.workload import parse_workload  # noqa: E402
from tests.sizing_engine.calibration_training import workload  # noqa: E402
from tests.sizing_engine.helpers import CATALOG  # noqa: E402

# (name, GPU, GPUs, global batch, TP, CP, published samples/s, GPUs per node, Gb/s per GPU,
# TP overlap): the rows of calibration_heldout.py's ``_lora`` points
ROWS = [
    ("8 H100", "h100-sxm5-80gb", 8, 8, 4, 1, 2.183, 8, 400.0, True),
    ("64 H100", "h100-sxm5-80gb", 64, 8, 4, 2, 14.777, 8, 400.0, True),
    ("1,024 H100", "h100-sxm5-80gb", 1024, 128, 4, 2, 234.827, 8, 400.0, True),
    ("8 H200", "h200-sxm-141gb", 8, 8, 1, 2, 2.588, 8, 400.0, True),
    ("32 H200", "h200-sxm-141gb", 32, 8, 4, 1, 8.841, 8, 400.0, True),
    ("512 H200", "h200-sxm-141gb", 512, 64, 4, 2, 112.258, 8, 400.0, True),
    ("64 L40S", "l40s-48gb", 64, 8, 4, 2, 2.718, 4, 200.0, False),
    ("384 L40S", "l40s-48gb", 384, 48, 4, 2, 16.424, 4, 200.0, False),
]


def main() -> None:
    print(
        "| run | layout | published s | engine s | gap s | gap ms per layer-mb "
        "| engine TP alpha ms | engine CP alpha ms | step-end all-reduces ring / tree ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, gpu, gpus, gbs, tp, cp, sps, gpn, fabric, overlap in ROWS:
        knobs = {"fabric_gbps_per_gpu": fabric}
        if not overlap:
            knobs["tp_exposed_fraction"] = 1.0
        data = workload(
            "llama-2-70b",
            gpu,
            gpus,
            8192,
            kind="lora",
            precision="fp8",
            assumptions=knobs,
            gpus_per_node=gpn,
            global_batch_size=gbs,
            micro_batch_size=1,
            tensor_parallel=tp,
            pipeline_parallel=1,
            context_parallel=cp,
            lora_rank=16,
        )
        w = parse_workload(data)
        st = workplan.training_setup(w, resolve_model(w, CATALOG), CATALOG.gpus[gpu], gpn)
        got = outcome(st, gpus)
        assert got is not None
        lay, step = got.best.layout, got.best.step
        ctx = context(st)
        layers, m = st.s.layers, lay.micro_batches
        published = gbs / sps
        gap = published - step.total_s
        # the alpha part of what collectives.py charges: TP 8 ring collectives a layer
        # (selective recompute adds none), (TP-1) hops each; CP (CP-1) forward + 2(CP-1)
        # backward hops and the last one (step._context_parallel's ``ring``)
        tp_alpha = m * layers * 8 * (tp - 1) * ctx.gpu_link(tp).latency_s if tp > 1 else 0.0
        per_node, nodes = ctx.spread(cp, tp)
        cp_link = ctx.gpu_link(per_node) if nodes <= 1 else ctx.nic
        cp_alpha = m * layers * (3 * (cp - 1) + 1) * cp_link.latency_s if cp > 1 else 0.0
        d = lay.dp * lay.cp
        alpha = ctx.ring(d, tp).latency_s if d > 1 else 0.0
        ring = 2 * 2 * (d - 1) * alpha  # gradient norm and loss: two all-reduces
        tree = 2 * 2 * math.ceil(math.log2(d)) * alpha if d > 1 else 0.0
        print(
            f"| {name} | TP{lay.tp} CP{lay.cp} DP{lay.dp} x{m} | {published:.3f} "
            f"| {step.total_s:.3f} | {gap:+.3f} | {gap / (layers * m) * 1e3:+.2f} "
            f"| {tp_alpha * 1e3:.2f} | {cp_alpha * 1e3:.2f} | {ring * 1e3:.2f} / {tree * 1e3:.2f} |"
        )
    print()
    print("engine breakdown of the 64 H100 row:", end=" ")
    print(step_of("h100-sxm5-80gb", 64, 8, 4, 2))


def step_of(gpu: str, gpus: int, gbs: int, tp: int, cp: int) -> dict[str, float]:
    """The engine's step breakdown of one H100/H200 row (400 Gb/s per GPU)."""
    data = workload(
        "llama-2-70b",
        gpu,
        gpus,
        8192,
        kind="lora",
        precision="fp8",
        assumptions={"fabric_gbps_per_gpu": 400.0},
        gpus_per_node=8,
        global_batch_size=gbs,
        micro_batch_size=1,
        tensor_parallel=tp,
        pipeline_parallel=1,
        context_parallel=cp,
        lora_rank=16,
    )
    w = parse_workload(data)
    st = workplan.training_setup(w, resolve_model(w, CATALOG), CATALOG.gpus[gpu], 8)
    got = outcome(st, gpus)
    assert got is not None
    return got.best.step.breakdown()


if __name__ == "__main__":
    main()
