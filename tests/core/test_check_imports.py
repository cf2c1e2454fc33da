"""The import check of scripts/lint.sh: it passes on the tree, and it finds what it looks for."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts/check_imports.py")
assert spec and spec.loader
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def test_the_tree_has_no_cycle_and_keeps_its_layers(capsys):
    assert check.main() == 0
    assert "no cycles, layering kept" in capsys.readouterr().out


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert check.cycles(graph) == [["a", "b", "c"]]
    assert check.cycles({"a": {"b"}, "b": set()}) == []


def test_a_view_writing_the_database_is_found():
    tree = ast.parse(
        "def v(request):\n"
        "    quote.save()\n"
        "    Quote.objects.create(name='x')\n"
        "    Quote.objects.filter(pk=1).update(name='y')\n"
        "    form.save()\n"
    )
    found = [call for _line, call in check.view_writes(tree)]
    assert found == [
        "quote.save()",
        "Quote.objects.create(…)",
        "Quote.objects.filter(pk=1).update(…)",
    ]


def test_relative_imports_resolve_to_submodules():
    path = ROOT / "apps/sizing/engine/cluster.py"
    modules = {"apps.sizing.engine.layout", "apps.sizing.engine", "apps.sizing.engine.spec"}
    tree = ast.parse("from .layout import build_racks\nfrom . import spec\n")
    assert {t for t, _ in check.imports(path, tree, modules)} == {
        "apps.sizing.engine.layout",
        "apps.sizing.engine.spec",
    }


def test_a_second_default_of_a_setting_is_found():
    tree = ast.parse('x = getattr(settings, "OPS_ACCESS_LOG", True)\ny = settings.OPS_ACCESS_LOG\n')
    assert list(check.settings_getattrs(tree)) == [1]
