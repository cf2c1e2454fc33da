"""The memory a GPU exposes comes from the catalog's memory_mib column, else memory_gb x 1e9."""

import csv
import shutil
from pathlib import Path

from apps.sizing.engine import snapshot_from_csv_dir
from apps.sizing.engine.hardware import device_memory_bytes, device_memory_source

CATALOG = Path(__file__).resolve().parents[2] / "fixtures" / "catalog"


def test_exposed_memory_is_the_catalog_column():
    h100 = snapshot_from_csv_dir(CATALOG).gpus["h100-sxm5-80gb"]
    assert h100.memory_mib == 81559
    assert device_memory_bytes(h100) == 81559 * 1024 * 1024
    assert "81,559 MiB" in device_memory_source(h100) and "nvidia-smi" in device_memory_source(h100)


def test_a_gpu_without_memory_mib_keeps_memory_gb(tmp_path):
    for f in CATALOG.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    with (CATALOG / "gpus.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["memory_mib"] = r["memory_mib_source"] = ""
    with (tmp_path / "gpus.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    h100 = snapshot_from_csv_dir(tmp_path).gpus["h100-sxm5-80gb"]
    assert h100.memory_mib is None
    assert device_memory_bytes(h100) == 80e9
    assert "memory_gb 80 x 1e9" in device_memory_source(h100)
