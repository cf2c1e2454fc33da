"""`manage.py cluster_costs` — storage and cost of ownership of the seed's Small, Medium and
Large clusters (4, 8 and 16 nodes of 8x H100 PCIe, InfiniBand, bare metal), each figure with
its formula and inputs.

Each cluster is sized through the gateway (the same door as the wizard and the API) twice: as
an inference cluster serving Llama 2 70B, and as a training cluster pre-training Llama 2 7B on
``--tokens`` tokens. ``--format json`` prints the figures as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sizing import gateway

SEED = (("Small", 4), ("Medium", 8), ("Large", 16))


def workloads(nodes: int, tokens: float) -> dict[str, dict[str, Any]]:
    """The inference and training workloads on one seed cluster."""
    base = {"gpu": "h100-pcie-80gb", "fabric": "infiniband", "nodes": nodes}
    return {
        "inference": {**base, "kind": "inference", "model": "llama-2-70b"},
        "training": {
            **base,
            "kind": "pretraining",
            "model": "llama-2-7b",
            "training": {"tokens": tokens},
        },
    }


def _inputs(inputs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in inputs.items())


def report(name: str, nodes: int, kind: str, result: dict[str, Any]) -> list[str]:
    """Printable lines: storage then TCO, each with formula and inputs."""
    st, t = result["storage"], result["tco"]
    cur = t["currency"]
    lines = [f"== {name} ({nodes} nodes, {result['gpu_count']} GPUs) — {kind} =="]
    formulas = st["formula"] if isinstance(st["formula"], dict) else {"read": st["formula"]}
    if kind == "training":
        lines += [
            f"  storage capacity      {st['capacity_tb']} TB   = {formulas['capacity']}",
            f"  checkpoint interval   {st['checkpoint_interval_h']} h   = {formulas['interval']}",
            f"  checkpoint write      {st['write_gbps']} GB/s = {formulas['write']}",
            f"  data loader read      {st['read_gbps']} GB/s = {formulas['read']}",
        ]
    else:
        lines.append(f"  model load read       {st['read_gbps']} GB/s = {formulas['read']}")
    lines.append(f"    inputs: {_inputs(st['inputs'])}")
    lines.append(f"    {st['product']}")
    for f in t["figures"]:
        value = "not priced" if f["value"] is None else f"{f['value']} {cur}"
        lines.append(f"  {f['label']:<58s} {value}")
        lines.append(f"    = {f['formula']}; {_inputs(f['inputs'])}")
    if t["unpriced_lines"]:
        lines.append(f"  ({t['unpriced_lines']} BoM lines without a price are not in the total)")
    return lines


class Command(BaseCommand):
    help = "Print storage and cost of ownership for the seed's Small, Medium and Large clusters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--tokens", type=float, default=2e11, help="training tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        out: dict[str, Any] = {}
        lines: list[str] = []
        for name, nodes in SEED:
            for kind, workload in workloads(nodes, options["tokens"]).items():
                sizing = gateway.size(workload)
                if sizing.result is None:
                    raise CommandError("; ".join(gateway.messages(sizing.field_errors)))
                result = sizing.result
                out.setdefault(name, {})[kind] = {
                    "storage": result["storage"],
                    "tco": result["tco"],
                }
                lines += report(name, nodes, kind, result)
        if options["format"] == "json":
            self.stdout.write(json.dumps(out, indent=1))
        else:
            self.stdout.write("\n".join(lines))
