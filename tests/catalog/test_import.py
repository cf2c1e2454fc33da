"""catalog_import: upsert by natural key, all-or-nothing, every bad row reported by line."""

import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.csv_format import NODE_PROFILES
from apps.catalog.models import Gpu, NodePart, NodeProfile, Part, Price, PriceBook, Switch
from apps.catalog.services import CatalogImportError, catalog_import, price_list_import

from .conftest import SAMPLE_DIR

REPO = Path(__file__).resolve().parents[2]


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.writelines(line + "\n" for line in lines)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(directory: Path) -> list[str]:
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(directory)
    return [str(e) for e in exc.value.errors]


def db_state() -> dict[str, list[tuple]]:
    return {
        "parts": list(Part.objects.order_by("pk").values_list()),
        "gpus": list(Gpu.objects.order_by("pk").values_list()),
        "prices": list(Price.objects.order_by("pk").values_list()),
        "profiles": list(NodeProfile.objects.order_by("pk").values_list()),
    }


def test_import_creates_typed_rows(sample_catalog):
    assert sample_catalog.counts["parts.csv"].created == 20
    assert sample_catalog.counts["prices/SAMPLE-TEST.csv"].created == 3
    h100 = Gpu.objects.get(slug="h100-pcie-80gb")
    assert (h100.part.part_number, h100.bridge.part_number) == ("BR9U", "BG3F")
    assert (h100.memory_gb, h100.tflops_fp8, h100.link_domain) == (Decimal(80), Decimal(1513), 2)
    a100 = Gpu.objects.get(slug="a100-sxm4-80gb")
    assert (a100.part, a100.tflops_fp8, a100.slot_width, a100.reference) == (None, None, None, True)
    profile = NodeProfile.objects.get(slug="hpc-ai-ib")
    assert (profile.platform.slug, profile.data_drive, profile.data_drive_count) == (
        "sr675v3-8dw",
        None,
        0,
    )
    assert NodePart.objects.filter(profile=profile).count() == 2
    assert Switch.objects.get().support.part_number == "5WS7B14266"
    book = PriceBook.objects.get()
    assert (book.code, book.sample, book.valid_to) == ("SAMPLE-TEST", True, None)
    assert Price.objects.get(part__part_number="BG3F").unit_price == Decimal("450.50")


def test_reimport_changes_nothing(sample_catalog):
    before = db_state()
    report = catalog_import(SAMPLE_DIR)
    assert report.changed == 0
    assert report.counts["parts.csv"].unchanged == 20
    assert db_state() == before


def test_reimport_updates_by_natural_key(sample_catalog, sample_dir):
    replace(
        sample_dir / "parts.csv",
        "ThinkSystem V2 EDSFF Filler,component,true",
        "ThinkSystem V2 EDSFF Filler,component,false",
    )
    replace(sample_dir / "prices" / "SAMPLE-TEST.csv", "BG3F,450.50", "BG3F,500")
    report = catalog_import(sample_dir)
    assert (report.counts["parts.csv"].updated, report.changed) == (1, 2)
    assert Part.objects.get(part_number="B993").orderable is False
    assert Price.objects.get(part__part_number="BG3F").unit_price == Decimal("500")


def test_malformed_csv_is_rejected_with_every_bad_row_and_nothing_changes(sample_dir, db):
    append(
        sample_dir / "parts.csv",
        "X1,Bad category,gizmo,true,test",
        "X2,Bad boolean,component,yes,test",
        "BR9U,Duplicate of an earlier row,gpu,true,test",
        "X3,Too few cells",
    )
    replace(sample_dir / "gpus.csv", "BR9U,80,81559,", "BR9U,80GB,81559,")
    replace(sample_dir / "cpus.csv", "BPVJ,64", "NOPE,64")
    replace(sample_dir / "dimms.csv", "part_number,size_gb,speed_mts", "part_number,size,speed_mts")
    replace(sample_dir / "price_books.csv", "2024-01-01,,true", "2024-01-01,2023-12-31,true")
    assert errors_of(sample_dir) == [
        "parts.csv:22: category: 'gizmo' is not allowed; use one of: server, gpu_base, cpu, "
        "memory, gpu, gpu_bridge, network_adapter, storage, riser, power_supply, power_cable, "
        "cable, splitter, switch, rack_kit, software, service, setting, label, component",
        "parts.csv:23: orderable: 'yes' is not a boolean; use true or false",
        "parts.csv:24: part_number: duplicate 'BR9U'; first at line 6",
        "parts.csv:25: (row): has 2 cells, the header has 5",
        "gpus.csv:2: memory_gb: '80GB' is not a decimal number (digits with '.' as decimal "
        "separator, no thousands separators)",
        "dimms.csv:1: size_gb: column is missing from the header",
        "dimms.csv:1: size: unknown column; expected part_number,size_gb,speed_mts,source",
        "price_books.csv:2: valid_to: 2023-12-31 is before valid_from 2024-01-01",
        "cpus.csv:2: part_number: unknown part 'NOPE': not in parts.csv nor in the database",
    ]
    assert db_state() == {"parts": [], "gpus": [], "prices": [], "profiles": []}


def test_a_bad_header_does_not_cascade_into_reference_errors(sample_dir, db):
    replace(sample_dir / "node_profiles.csv", ",deployment,", ",deploy,")
    assert errors_of(sample_dir) == [
        "node_profiles.csv:1: deployment: column is missing from the header",
        "node_profiles.csv:1: deploy: unknown column; expected " + ",".join(NODE_PROFILES.header),
    ]


def test_bad_row_leaves_an_existing_catalog_untouched(sample_catalog, sample_dir):
    before = db_state()
    replace(sample_dir / "parts.csv", "ThinkSystem V2 EDSFF Filler", "Changed description")
    append(
        sample_dir / "gpus.csv",
        "l40s-48gb,L40S,NOPE" + ",48,,,GDDR6,864" + ",1" * 4 + ",350,pcie,1,,2,pcie,,,false,test",
    )
    assert errors_of(sample_dir) == [
        "gpus.csv:4: part_number: unknown part 'NOPE': not in parts.csv nor in the database"
    ]
    assert db_state() == before


def test_references_may_point_at_parts_already_in_the_database(sample_catalog, tmp_path):
    (tmp_path / "cpus.csv").write_text(
        "part_number,cores,base_ghz,tdp_w,source\nBPVJ,64,3.10,360,changed source\n"
    )
    report = catalog_import(tmp_path)
    assert report.counts == {"cpus.csv": report.counts["cpus.csv"]}
    assert report.counts["cpus.csv"].updated == 1


def test_unknown_file_and_empty_directory_are_reported(tmp_path, db):
    (tmp_path / "gpu.csv").write_text("slug\n")
    assert errors_of(tmp_path) == [
        "gpu.csv:0: (file): not a file of the catalog schema; expected one of: cables.csv, "
        "cpus.csv, dimms.csv, gpus.csv, licenses.csv, llm_models.csv, network_adapters.csv, "
        "node_parts.csv, node_profiles.csv, parts.csv, platforms.csv, price_books.csv, "
        "switches.csv or prices/CODE.csv",
        f"{tmp_path}:0: (directory): no catalog CSV files found",
    ]


def test_price_list_for_unknown_book_is_refused(sample_catalog, tmp_path):
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "EUR-2025.csv").write_text("part_number,unit_price\nBR9U,1.00\n")
    assert errors_of(tmp_path) == [
        "prices/EUR-2025.csv:0: (file): price book 'EUR-2025' is not in price_books.csv "
        "nor in the database"
    ]


def test_price_list_import_into_existing_book(sample_catalog, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("part_number,unit_price\nBR9U,31000\nBPVJ,9000.00\n")
    report = price_list_import("SAMPLE-TEST", path)
    assert (report.counts["list.csv"].created, report.counts["list.csv"].updated) == (1, 1)
    assert Price.objects.get(part__part_number="BR9U").unit_price == Decimal("31000")


def test_command_lists_errors_and_fails(sample_dir, db):
    append(sample_dir / "parts.csv", "X1,Bad,gizmo,true,test")
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("catalog_import", str(sample_dir), stderr=err, stdout=StringIO())
    assert err.getvalue().startswith("parts.csv:22: category: 'gizmo' is not allowed")
    assert Part.objects.count() == 0


def test_command_success_output_and_pricebook_command(db, tmp_path):
    out = StringIO()
    call_command("catalog_import", str(SAMPLE_DIR), stdout=out)
    assert "parts.csv: 20 created, 0 updated, 0 unchanged" in out.getvalue()
    path = tmp_path / "p.csv"
    path.write_text("part_number,unit_price\nBPVJ,9000.00\n")
    out = StringIO()
    call_command("pricebook_import", "SAMPLE-TEST", str(path), stdout=out)
    assert "p.csv: 1 created" in out.getvalue()


def test_manage_py_exits_non_zero_on_bad_rows(tmp_path):
    (tmp_path / "parts.csv").write_text(
        "part_number,description,category,orderable,source\nX1,Bad,gizmo,true,test\n"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    script = (
        "import django, sys; django.setup(); from django.core.management import "
        "call_command, execute_from_command_line; call_command('migrate', verbosity=0); "
        "execute_from_command_line(['manage.py', 'catalog_import', sys.argv[1]])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "parts.csv:2: category: 'gizmo' is not allowed" in result.stderr


def test_deploy_import_keeps_admin_edits_and_adds_missing_rows(sample_dir, db):
    """`catalog_import` runs on every deploy (compose's migrate service): without --force it
    only creates missing rows; a price and a description edited in the admin stay."""
    call_command("catalog_import", str(sample_dir), stdout=StringIO())
    Price.objects.filter(part__part_number="BR9U").update(unit_price=Decimal("27500.00"))
    Part.objects.filter(part_number="BR7F").update(description="Edited in the admin")
    append(sample_dir / "parts.csv", "ZZ01,A new part,service,true,test")
    out = StringIO()
    call_command("catalog_import", str(sample_dir), stdout=out)
    assert Price.objects.get(part__part_number="BR9U").unit_price == Decimal("27500.00")
    assert Part.objects.get(part_number="BR7F").description == "Edited in the admin"
    assert Part.objects.filter(part_number="ZZ01").exists()
    assert "parts.csv: 1 created, 0 updated, 19 unchanged, 1 kept" in out.getvalue()
    assert "prices/SAMPLE-TEST.csv: 0 created, 0 updated, 2 unchanged, 1 kept" in out.getvalue()

    out = StringIO()
    call_command("catalog_import", str(sample_dir), "--force", stdout=out)
    assert Price.objects.get(part__part_number="BR9U").unit_price == Decimal("30000.00")
    assert (
        Part.objects.get(part_number="BR7F").description == "ThinkSystem SR675 V3 8DW PCIe GPU Base"
    )
    assert "parts.csv: 0 created, 1 updated, 20 unchanged" in out.getvalue()
