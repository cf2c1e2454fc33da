"""The serving layouts' load-free constants kept across sizings (engine/serving/replica.py,
issue 16): a kept layout gives the answer a fresh one does, for every load, and setups that
differ in model, GPU, precision, KV precision, assumptions or fabric never share one."""

from __future__ import annotations

from typing import Any

import orjson

from apps.sizing.engine import size, snapshot_from_csv_dir
from apps.sizing.engine.serving import replica

from .conftest import CATALOG_DIR
from .helpers import one_node_70b


def _answer(w: dict[str, Any], catalog: Any) -> bytes:
    return orjson.dumps(size(w, catalog).to_dict())


# loads of one setup (they share its kept layouts) and setups of their own
LOADS = [one_node_70b({"prompt_tokens": p}) for p in (1000, 1001, 3000, 9000, 100)] + [
    one_node_70b({"concurrent_users": 900, "prefill_chunk_tokens": 512}),
    one_node_70b({"tensor_parallel": 2}),
    one_node_70b({"target_tokens_per_s_per_user": 5.0, "target_ttft_s": 10.0}),
    one_node_70b(nodes=None),
]
SETUPS = [
    one_node_70b(precision="fp8"),
    one_node_70b({"kv_cache_precision": "fp8"}),
    one_node_70b(gpu="h100-sxm5-80gb"),
    one_node_70b(model="llama-3.1-8b"),
    one_node_70b(model="mixtral-8x7b"),
    one_node_70b(model="deepseek-v2", nodes=2),
    one_node_70b(assumptions={"pcie_p2p_gbps": 8}),
    one_node_70b(assumptions={"usable_memory_fraction": 0.7}),
    one_node_70b(fabric="ethernet", nodes=2, model="llama-3.1-405b"),
]


def test_kept_layouts_answer_as_fresh_ones() -> None:
    replica.forget_kept()
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    cases = LOADS + SETUPS
    kept = [_answer(w, shared) for w in cases]
    again = [_answer(w, shared) for w in reversed(cases)][::-1]  # every layout kept by now
    fresh = []
    for w in cases:
        replica.forget_kept()
        fresh.append(_answer(w, shared))
    assert kept == fresh
    assert again == fresh
    assert len(set(fresh)) == len(fresh)  # the cases do change the answers


def test_kept_misses_answer_as_fresh_sizings() -> None:
    """A layout's kept misses (``Replica.serves``: a rate that missed at a shorter prompt) rule
    out nothing a fresh sizing would choose: prompts one token apart upwards (the API's
    distinct workloads), then downwards and scattered, on one and two nodes."""
    replica.forget_kept()
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    prompts = [*range(1001, 1041), *range(1040, 1000, -3), 5000, 200, 7000, 1500, 64, 30000]
    cases = [one_node_70b({"prompt_tokens": p}, nodes=n) for n in (1, 2) for p in prompts]
    for changes in ({"model": "mixtral-8x7b"}, {"model": "llama-3.1-8b"}, {"nodes": 3}):
        for p in (100, 2000, 2001, 2002, 8000, 500):
            targets = {"target_tokens_per_s_per_user": 10.0} if p == 2001 else {}
            cases.append(one_node_70b({"prompt_tokens": p, **targets}, **changes))
    kept = [_answer(w, shared) for w in cases]
    fresh = []
    for w in cases:
        replica.forget_kept()
        fresh.append(_answer(w, shared))
    assert kept == fresh


def test_other_setups_never_share_kept_layouts() -> None:
    replica.forget_kept()
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    for w in LOADS:
        _answer(w, shared)
    assert len(replica._KEPT) == 1  # one setup for every load
    for n, w in enumerate(SETUPS, start=2):
        _answer(w, shared)
        assert len(replica._KEPT) == n, w  # each one a setup of its own
    _answer(one_node_70b(), snapshot_from_csv_dir(CATALOG_DIR))
    assert len(replica._KEPT) == len(SETUPS) + 2  # another snapshot's model and GPU


def test_the_kept_setups_are_bounded() -> None:
    replica.forget_kept()
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    for pct in range(replica.KEPT_SETUPS + 5):
        w = one_node_70b(assumptions={"usable_memory_fraction": 0.5 + pct / 1000})
        size(w, shared)
    assert len(replica._KEPT) == replica.KEPT_SETUPS
    replica.forget_kept()
