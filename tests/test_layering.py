"""The package's shape: no import circles, command modules that stand on the common module, and
stages that depend only on what comes before them in the data flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, known: set[str]) -> set[str]:
    """Every monitor module imported anywhere in the file (inside functions too), except the
    imports made only for type checkers."""
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if _is_type_checking(node):
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & known
            found.update(submodules or ({node.module} & known))
        found |= _imports(node, known)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts}
    known = set(files)
    return {name: _imports(ast.parse(path.read_text(encoding="utf-8")), known) - {name}
            for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop."""
    reach = {m: set(deps) for m, deps in graph.items()}
    changed = True
    while changed:
        changed = False
        for deps in reach.values():
            extra = set().union(*(reach[d] for d in deps)) - deps
            if extra:
                deps |= extra
                changed = True
    groups = {frozenset({m} | {d for d in reach[m] if m in reach[d]}) for m in graph if m in reach[m]}
    return sorted(sorted(g) for g in groups)


def test_no_two_modules_import_each_other():
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_command_modules_share_the_common_module_not_the_entry_point():
    graph = import_graph()
    commands = [m for m in graph if m.startswith("monitor.cli.") and m not in ("monitor.cli.app",)]
    assert "monitor.cli.common" in commands
    for module in commands:
        assert not {"monitor.cli", "monitor.cli.app"} & graph[module], module
    assert not list(PACKAGE.glob("cli_*.py")), "command modules live in monitor/cli/"


def test_each_command_group_is_served_by_the_module_named_after_it():
    from monitor.cli import app

    groups = {g.name: g.typer_instance.registered_commands[0].callback.__module__ for g in app.registered_groups}
    assert groups == {name: f"monitor.cli.{name}" for name in ("rules", "feeds", "media", "jobs", "alerts", "users")}


@pytest.mark.parametrize(("stage", "later"), [
    ("monitor.findings", "monitor.imports"),
    ("monitor.media", "monitor.ranking"),
    ("monitor.findings", "monitor.ranking"),
    ("monitor.imports", "monitor.findings"),
], ids=["detectors-do-not-pull-in-the-importer", "media-before-ranking", "findings-before-ranking",
        "importer-before-findings"])
def test_a_stage_does_not_import_a_later_or_sideways_stage(stage, later):
    graph = import_graph()
    offenders = {m: sorted(d for d in deps if d.startswith(later))
                 for m, deps in graph.items() if m.startswith(stage)}
    assert {m: d for m, d in offenders.items() if d} == {}
