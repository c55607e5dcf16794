"""Helpers for detector tests: load a few rows of evidence, run one detector with chosen params."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from monitor.config import PROJECT_DIR
from monitor.findings.detectors import FindingDraft
from monitor.findings.evaluate import run_rule
from monitor.findings.rules import Rule, load_rules
from monitor.imports import SPECS, import_csv
from monitor.pseudonyms import Pseudonymiser

RULES_DIR = PROJECT_DIR / "rules"


@pytest.fixture
def load_evidence(with_suppliers: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    """Import rows (dicts in the canonical columns) into the database with the persona suppliers.

    load_evidence(visits=[...], staff=[...], events=[...], observations=[...]) -> Engine
    """

    def load(**kinds: list[dict[str, str]]) -> Engine:
        names = {"visits": "visits", "staff": "staff", "events": "client-events", "observations": "observations"}
        for name in ("staff", "events", "observations", "visits"):
            rows = kinds.get(name)
            if not rows:
                continue
            kind = names[name]
            result = import_csv(with_suppliers, SPECS[kind], write_csv(f"{kind}.csv", rows),
                                pseudonymise=pseudonymise)
            assert result.rows_rejected == 0, result.rejected
        return with_suppliers

    return load


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
