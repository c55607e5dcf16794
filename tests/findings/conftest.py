"""Helpers for detector tests: load a few rows of evidence, run one detector with chosen params."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from monitor.config import PROJECT_DIR
from monitor.findings.detectors import FindingDraft
from monitor.findings.evaluate import run_rule
from monitor.findings.rules import Rule, load_rules

RULES_DIR = PROJECT_DIR / "rules"


def make_rule(kind: str, period: str | None = None, scope: Any = None, **params: Any) -> Rule:
    """A rule of `kind` with the given params (defaults for the rest)."""
    raw: dict[str, Any] = {"id": f"test-{kind.replace('_', '-')}", "title": "Test", "kind": kind,
                           "severity": "high", "params": params}
    if period is not None:
        raw["period"] = period
    if scope is not None:
        raw["scope"] = scope
    return Rule.model_validate(raw)


def shipped_rule(kind: str) -> Rule:
    """The rule of this kind as shipped in rules/ (the first, if several)."""
    return next(r for r in load_rules(RULES_DIR) if r.kind == kind)


def detect(engine: Engine, rule: Rule | str, **params: Any) -> list[FindingDraft]:
    """Run one rule (or a kind with params) over the database; writes nothing."""
    if isinstance(rule, str):
        rule = make_rule(rule, **params)
    with engine.connect() as conn:
        return run_rule(conn, rule)
