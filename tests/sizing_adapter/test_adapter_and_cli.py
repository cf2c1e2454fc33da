"""The catalog ⇄ engine adapter and `manage.py size` — the same engine path as wizard and API."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import Gpu
from apps.catalog.selectors import catalog_rows
from apps.sizing import engine, gateway
from apps.sizing.adapters import catalog_snapshot
from apps.sizing.engine.models import import_config_text

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 4,
    "fabric": "infiniband",
    "deployment": "bare_metal",
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300},
}


def test_database_snapshot_equals_the_fixture_files(full_catalog: None) -> None:
    from_db = engine.snapshot_from_rows(catalog_rows())
    assert from_db == engine.snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")


def test_snapshot_is_rebuilt_when_the_catalog_changes(full_catalog: None) -> None:
    before = catalog_snapshot()
    gpu = Gpu.objects.get(slug="l40s-48gb")
    gpu.tdp_w = 300
    gpu.save()
    after = catalog_snapshot()
    assert after is not before
    assert {g.slug: g.tdp_w for g in after.gpus.values()}["l40s-48gb"] == 300


def test_gateway_returns_the_seed_small_configuration(full_catalog: None) -> None:
    result = gateway.size_or_raise(SMALL)
    assert (result["gpu_count"], result["node_count"], result["rack_count"]) == (32, 4, 1)
    quantities = {line["part_number"]: line["quantity"] for line in result["bom"]}
    assert quantities["BR9U"] == 32 and quantities["BQ3D"] == 96 and quantities["BQK3"] == 8


def _size(*args: str) -> str:
    out = StringIO()
    call_command("size", *args, stdout=out)
    return out.getvalue()


def test_size_command_prints_json(full_catalog: None, tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(SMALL))
    result = json.loads(_size(str(path)))
    assert result == gateway.size_or_raise(SMALL)
    assert result["engine_version"] == engine.ENGINE_VERSION


def test_size_command_prints_a_table_for_people(full_catalog: None, tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(SMALL))
    text = _size(str(path), "--format", "table")
    assert "GPUs / nodes / racks         32 / 4 / 1" in text
    assert "BQ3D" in text and "Why" in text and "Assumptions" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        (
            json.dumps({**SMALL, "inference": {**SMALL["inference"], "concurrent_users": 0}}),
            "inference.concurrent_users:",
        ),
    ],
)
def test_size_command_reports_bad_input_by_field(
    full_catalog: None, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "w.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _size(str(path))


def test_size_command_reports_a_missing_file(full_catalog: None) -> None:
    with pytest.raises(CommandError, match="cannot read /nonexistent.json"):
        _size("/nonexistent.json")


def test_size_command_lists_every_input_of_the_specification() -> None:
    from apps.sizing.engine import spec

    text = _size("--inputs")
    lines = text.strip().splitlines()[1:]
    assert [line.split(" ", 3)[2] for line in lines] == [i.path for i in spec.INPUTS]
    assert "inference.target_ttft_s (number, s): Time to first token; > 0 and <= 86400" in text
    assert "fabric (choice): Compute fabric; one of infiniband, ethernet, auto" in text
    assert (
        "training.lora_rank (integer): LoRA rank; >= 1 and <= 65536; default 16; for lora" in text
    )


CONFIGS = ROOT / "fixtures" / "model_configs"


def test_size_command_imports_a_config_json_with_the_engines_parser() -> None:
    out = json.loads(_size("--config", str(CONFIGS / "deepseek-v3" / "config.json")))
    expected = import_config_text((CONFIGS / "deepseek-v3" / "config.json").read_bytes()).to_dict()
    assert out == json.loads(json.dumps(expected))  # the one parser: the same answer
    assert out["family"] == "DeepSeek V3" and out["custom_model"]["kv_lora_rank"] == 512


def test_size_command_sizes_a_workload_for_an_imported_model(
    full_catalog: None, tmp_path: Path
) -> None:
    workload = tmp_path / "w.json"
    workload.write_text(
        json.dumps(
            {
                "kind": "inference",
                "model": "llama-2-7b",
                "gpu": "h100-nvl-94gb",
                "precision": "fp8",
                "inference": {"concurrent_users": 10},
            }
        )
    )
    config = CONFIGS / "qwen3-235b-a22b" / "config.json"
    result = json.loads(_size(str(workload), "--config", str(config)))
    imported = import_config_text(config.read_bytes()).custom_model()
    via_api_body = {
        "kind": "inference",
        "custom_model": imported,
        "gpu": "h100-nvl-94gb",
        "precision": "fp8",
        "inference": {"concurrent_users": 10},
    }
    direct = gateway.size(via_api_body).result
    assert result["model"]["name"] == "Qwen/Qwen3-235B-A22B"
    assert result["gpu_count"] == direct["gpu_count"]
    assert result["inference"]["layout"] == direct["inference"]["layout"]


def test_size_command_reports_a_bad_config_by_key(tmp_path: Path) -> None:
    bad = tmp_path / "config.json"
    bad.write_text('{"model_type": "llama", "num_hidden_layers": -3}')
    with pytest.raises(CommandError) as err:
        _size("--config", str(bad))
    text = str(err.value)
    assert "config.num_hidden_layers: must be between 1 and 1,000, got -3" in text
    assert "config.hidden_size: is required" in text
