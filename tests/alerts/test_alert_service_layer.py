"""monitor/alerts is the service layer the CLI and the web UI share: it knows nothing of either."""

from __future__ import annotations

import ast
from pathlib import Path

ALERTS = Path(__file__).resolve().parents[2] / "monitor" / "alerts"


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_alert_service_imports_no_command_line_or_web_code():
    offenders = {path.name: sorted(n for n in _imported(path)
                                   if n.split(".")[0] in ("typer", "rich", "click", "fastapi")
                                   or n.startswith(("monitor.cli", "monitor.web")))
                 for path in ALERTS.glob("*.py")}
    assert len(offenders) >= 6
    assert {name: found for name, found in offenders.items() if found} == {}
