#!/usr/bin/env python3
"""Import cycles and layering of the apps, checked from the source (run by scripts/lint.sh).

Every `import` counts, at module level or inside a function: a lazy import hides a cycle from
Python's loader, not from the design. The rules:

1. No import cycle between modules (strongly connected components of the module graph).
2. Apps are layered (``LAYERS``, lowest first): an app imports only apps below it, so the
   app graph has no cycle. The engine counts as the lowest layer (any app may use it).
3. The engine (apps/sizing/engine/) imports only the standard library and itself: no Django,
   DRF, Celery, nor any other part of the portal.
4. Views (apps/*/views.py, apps/api/views/) change the database only through services: no
   `.save()`, `.delete()`, `.objects.create/update/…` or `QuerySet.update/delete` in a view.
5. App code reads a setting as ``settings.NAME``: no ``getattr(settings, "NAME", default)``,
   whose default would be a second copy of the one in config/settings/base.py.

Prints each finding and exits 1 if there is any.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "apps"
ENGINE = "apps.sizing.engine"
ENGINE_ALLOWED_THIRD_PARTY: set[str] = set()
# The engine is a layer of its own, the lowest: a framework-free library any app may use.
LAYERS = ("engine", "core", "ops", "accounts", "catalog", "sizing", "quotes", "api")
WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "update",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def sources() -> Iterator[Path]:
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" not in path.parts and "__pycache__" not in path.parts:
            yield path


def imports(path: Path, tree: ast.AST, modules: set[str]) -> Iterator[tuple[str, int]]:
    """(imported module, line) of every import in the file, relative ones resolved.

    ``from package import name`` imports the submodule ``package.name`` when there is one,
    and the package itself only for the other names (its re-exports); Python's implicit
    import of a module's parent package is not an edge (import-linter's convention)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            submodules = [n for n in names if n in modules]
            yield from ((n, node.lineno) for n in submodules)
            if len(submodules) < len(names):
                yield target, node.lineno


def resolve(target: str, modules: set[str]) -> str | None:
    """The portal module an import names (the longest known prefix), None for others."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def app_of(module: str) -> str:
    if module == ENGINE or module.startswith(ENGINE + "."):
        return "engine"
    return module.split(".")[1] if module.count(".") >= 1 else module


def is_view(module: str) -> bool:
    return module.endswith(".views") or ".views." in module


def view_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Calls that write the database: `x.save()`, `X.objects.create()`, `qs.update()`…"""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in WRITE_METHODS:
            continue
        chain = ast.unparse(node.func.value)
        if method in ("save", "delete") and not node.args and "form" not in chain:
            yield node.lineno, f"{chain}.{method}()"
        elif ".objects" in f".{chain}" or chain.endswith(("objects", "_set", ".filter()")):
            yield node.lineno, f"{chain}.{method}(…)"
        elif method in ("update", "delete") and ".filter(" in chain:
            yield node.lineno, f"{chain}.{method}(…)"


def settings_getattrs(tree: ast.AST) -> Iterator[int]:
    """Lines of ``getattr(settings, ...)`` calls."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
        ):
            yield node.lineno


def main() -> int:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sources()}
    modules = {module_name(path) for path in trees}
    graph: dict[str, set[str]] = defaultdict(set)
    app_edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    problems: list[str] = []
    for path, tree in trees.items():
        name = module_name(path)
        graph[name]
        rel = path.relative_to(ROOT)
        for target, line in imports(path, tree, modules):
            top = target.split(".")[0]
            if name.startswith(ENGINE) and not target.startswith(ENGINE):
                stdlib = top in sys.stdlib_module_names or top == "__future__"
                if not stdlib and top not in ENGINE_ALLOWED_THIRD_PARTY:
                    problems.append(f"{rel}:{line}: the engine imports {target}")
            module = resolve(target, modules)
            if module is None or module == name:
                continue
            graph[name].add(module)
            if app_of(module) != app_of(name):
                app_edges[(app_of(name), app_of(module))].append(f"{rel}:{line}")
        for line in settings_getattrs(tree):
            problems.append(f"{rel}:{line}: getattr(settings, …) in app code; read settings.NAME")
        if is_view(name):
            for line, call in view_writes(tree):
                problems.append(f"{rel}:{line}: a view writes the database ({call}); use a service")
    for component in cycles(dict(graph)):
        problems.append("import cycle: " + " -> ".join(component))
    for (a, b), where in sorted(app_edges.items()):
        if a not in LAYERS or b not in LAYERS:
            problems.append(f"{where[0]}: app {a} or {b} is not in LAYERS")
        elif LAYERS.index(b) > LAYERS.index(a):
            problems.append(f"{', '.join(where)}: {a} imports {b}, a higher layer")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_imports: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_imports: {len(modules)} modules, no cycles, layering kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
