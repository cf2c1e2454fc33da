"""BoM exports and the server-drawn SVGs, as pure functions of real engine results."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.sizing import diagrams, exports
from apps.sizing.gateway import size_or_raise

SVG = "{http://www.w3.org/2000/svg}"
CASES = {
    "one_node": {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "l40s-48gb",
        "inference": {"concurrent_users": 10},
    },
    "two_switches": {
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "h100-nvl-94gb",
        "nodes": 12,
        "inference": {"concurrent_users": 10},
    },
    "fat_tree": {
        "kind": "pretraining",
        "model": "llama-2-70b",
        "gpu": "h100-nvl-94gb",
        "training": {"tokens": 1e12, "target_days": 30},
    },
    "lora": {
        "kind": "lora",
        "model": "llama-2-13b",
        "gpu": "h100-pcie-80gb",
        "training": {"tokens": 1e9, "target_days": 2},
    },
}


@pytest.fixture(params=sorted(CASES))
def result(request, catalog):
    return size_or_raise(CASES[request.param])


def shown(line):
    """The part number as documents show it: a part to be confirmed has none."""
    return exports.TO_BE_CONFIRMED if line.get("to_be_confirmed") else line["part_number"]


def test_csv_rows_equal_the_bom(result):
    rows = list(csv.reader(io.StringIO(exports.bom_csv(result))))
    assert rows[0] == exports.BOM_HEADERS
    assert [(r[1], int(r[3])) for r in rows[1:]] == [
        (shown(line), line["quantity"]) for line in result["bom"]
    ]
    assert all(r[0] == r[0].capitalize() for r in rows[1:])  # sections in words


def test_xlsx_opens_with_openpyxl_and_holds_the_bom(result):
    pricing = exports.Pricing("B", "Book", "USD", False, {"BR7F": Decimal(10)})
    book = load_workbook(io.BytesIO(exports.bom_xlsx(result, pricing)))
    sheet = book["BoM"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0][:4] == tuple(exports.BOM_HEADERS[:4])
    assert [(r[1], r[3]) for r in rows[1 : len(result["bom"]) + 1]] == [
        (shown(line), line["quantity"]) for line in result["bom"]
    ]
    assert {"Summary", "Assumptions"} <= set(book.sheetnames)


def test_formula_like_text_is_defused():
    line = {
        "section": "x",
        "part_number": "=HYPERLINK()",
        "description": "+1",
        "quantity": 1,
        "reason": "ok",
    }
    assert exports.bom_csv({"bom": [line]}).splitlines()[1].startswith("X,'=HYPERLINK()")


def test_rack_elevations_have_one_group_per_rack_and_one_node_per_node(result):
    root = ET.fromstring(diagrams.rack_elevations_svg(result, full_up_to=10_000))
    racks = root.findall(f"{SVG}g[@class='rack']")
    assert len(racks) == result["rack_count"] == len(result["cluster"]["racks"])
    nodes = root.findall(f".//{SVG}rect[@class='node']")
    assert len(nodes) == result["node_count"]
    per_rack = [len(g.findall(f"{SVG}rect[@class='node']")) for g in racks]
    assert per_rack == [r["nodes"] for r in result["cluster"]["racks"]]


def test_large_clusters_draw_one_representative_rack_per_kind(result):
    racks = result["cluster"]["racks"]
    groups = diagrams.rack_groups(result)
    assert sum(g["count"] for g in groups) == len(racks)
    assert sorted(i for g in groups for i in g["indices"]) == [r["index"] for r in racks]
    root = ET.fromstring(diagrams.rack_elevations_svg(result, full_up_to=0))
    drawn = root.findall(f"{SVG}g[@class='rack']")
    assert len(drawn) == min(len(groups), diagrams.MAX_GROUPS_DRAWN)
    # every drawn rack is captioned with how many racks it stands for
    text = "".join(root.itertext())
    for group in groups[: len(drawn)]:
        assert f"× {group['count']:,} rack" in text


def test_fabric_and_memory_drawings_are_valid_svg(result):
    fabric = ET.fromstring(diagrams.fabric_topology_svg(result))
    memory = ET.fromstring(diagrams.memory_breakdown_svg(result))
    assert fabric.tag == memory.tag == f"{SVG}svg"
    text = " ".join(t.text or "" for t in fabric.iter(f"{SVG}text"))
    assert f"{result['cluster']['compute_fabric']['endpoint_ports']:,} node port" in text
    segments = memory.findall(f".//{SVG}rect")
    assert any("segment-free" in (r.get("class") or "") for r in segments)


def test_drawings_are_self_contained_and_escape_text(result):
    hostile = {**result, "gpu_name": "<script>alert(1)</script> & co"}
    hostile["cluster"] = {
        **result["cluster"],
        "compute_fabric": {**result["cluster"]["compute_fabric"], "switch_name": '"><x>'},
    }
    for draw in (
        diagrams.memory_breakdown_svg,
        diagrams.rack_elevations_svg,
        diagrams.fabric_topology_svg,
    ):
        svg = draw(hostile)
        ET.fromstring(svg)
        assert "<script" not in svg and "<x>" not in svg
        assert "href" not in svg and "url(" not in svg and "<style" not in svg


def test_memory_segments_add_up_to_the_gpu(result):
    total = sum(gb for _, _, gb in diagrams.memory_segments(result))
    assert total == pytest.approx(
        max(result["memory"]["gpu_memory_gb"], result["memory"]["total_per_gpu_gb"]), rel=0.02
    )
