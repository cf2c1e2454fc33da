"""Plain-text rendering of an engine result for people (`manage.py size --format table`)."""

from __future__ import annotations

from typing import Any


def _row(label: str, value: Any) -> str:
    return f"  {label:<28} {value}"


def _summary(result: dict[str, Any]) -> list[str]:
    lines = [
        f"Sizing ({result['mode']} mode, engine {result['engine_version']})",
        _row("GPU", f"{result['gpu_name']} ({result['gpu']})"),
        _row(
            "GPUs / nodes / racks",
            f"{result['gpu_count']} / {result['node_count']} / {result['rack_count']}",
        ),
        _row("Power / heat", f"{result['power_kw']} kW / {result['heat_btu_per_h']} BTU/h"),
        _row("Rack units", result["rack_units"]),
    ]
    training, inference = result.get("training"), result.get("inference")
    if training:
        lines += [
            _row("Training days", training.get("days")),
            _row("GPU-hours", training.get("gpu_hours")),
        ]
    if inference:
        lines += [
            _row(
                "Tensor parallel × replicas",
                f"{inference.get('tensor_parallel')} × {inference.get('replicas')}",
            ),
            _row("Output tokens/s (total)", inference.get("output_tokens_per_s")),
            _row("Tokens/s per user", inference.get("tokens_per_s_per_user")),
            _row("Time to first token (s)", inference.get("ttft_s")),
            _row("Max concurrent users", inference.get("max_concurrent_users")),
        ]
    return lines


def _bom(result: dict[str, Any]) -> list[str]:
    lines = ["", "Bill of materials", f"  {'section':<11} {'part':<15} {'qty':>6}  description"]
    for line in result["bom"]:
        lines.append(
            f"  {line['section']:<11} {line['part_number']:<15} "
            f"{line['quantity']:>6}  {line['description']}"
        )
    return lines


def _why(result: dict[str, Any]) -> list[str]:
    lines = ["", "Why"]
    for item in result["explanations"]:
        unit = f" {item['unit']}" if item.get("unit") else ""
        lines.append(f"  {item['figure']} = {item['value']}{unit}: {item['rule']}")
        lines.append(f"      {item['formula']}  [{item['source']}]")
    lines += ["", "Assumptions"]
    lines += [_row(name, value) for name, value in result["assumptions"].items()]
    if result["warnings"]:
        lines += ["", "Warnings"] + [f"  - {w}" for w in result["warnings"]]
    return lines


def result_as_table(result: dict[str, Any]) -> str:
    """The summary, the BoM, the explanations, assumptions and warnings as aligned text."""
    return "\n".join(_summary(result) + _bom(result) + _why(result)) + "\n"
