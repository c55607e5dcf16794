"""Supplier risk scores (0-100) from the current findings, with the reasons in words."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, select

from monitor.messages import render_summary
from monitor.models import Finding, Supplier
from monitor.yamlfile import ConfigFileError, first_error, load_yaml, node_line


class ScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity_points: dict[str, float] = Field(
        default_factory=lambda: {"low": 5, "medium": 15, "high": 35, "critical": 60}
    )
    saturation: float = Field(50.0, gt=0)
    digest_min_score: float = Field(10.0, ge=0, le=100)
    digest_top: int = Field(15, ge=1)


def load_scoring_config(rules_dir: Path) -> ScoringConfig:
    path = rules_dir / "scoring.yaml"
    if not path.exists():
        return ScoringConfig()
    data, tree = load_yaml(path)
    try:
        return ScoringConfig.model_validate(data or {})
    except ValidationError as exc:
        loc, problem = first_error(exc, terse=True)
        raise ConfigFileError(f"{path}:{node_line(tree, *loc)}: {problem}") from exc


@dataclass
class SupplierRisk:
    supplier_id: int
    org_number: str
    name: str
    contract_area: str
    score: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)


def score_suppliers(
    conn: Connection, run_id: int, config: ScoringConfig, language: str = "sv"
) -> list[SupplierRisk]:
    """Every supplier, highest risk first; only findings reproduced by this run count."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    f = Finding.__table__.c  # type: ignore[attr-defined]
    risks = {
        row.id: SupplierRisk(row.id, row.org_number, row.name, row.contract_area)
        for row in conn.execute(select(s.id, s.org_number, s.name, s.contract_area))
    }
    by_rule: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in conn.execute(select(Finding.__table__).where(f.last_seen_run_id == run_id)):
        by_rule[(row.supplier_id, row.rule_id)].append(row)
    totals: dict[int, float] = defaultdict(float)
    for (supplier_id, rule_id), findings in by_rule.items():
        first = findings[0]
        strength = sum(max(x.strength, 1.0) for x in findings)
        points = config.severity_points.get(first.severity, 0) * first.weight * (1 + math.log(strength))
        totals[supplier_id] += points
        risks[supplier_id].reasons.append(
            {
                "source": "rule",
                "id": rule_id,
                "title": first.title,
                "severity": first.severity,
                "detail": render_summary([x.detail for x in findings], language),
                # Kept so the reason can be worded again in another language when shown.
                "details": [x.detail for x in findings],
                "findings": len(findings),
                "points": round(points, 1),
            }
        )
    for supplier_id, total in totals.items():
        risks[supplier_id].score = round(100 * (1 - math.exp(-total / config.saturation)), 1)
        risks[supplier_id].reasons.sort(key=lambda r: -r["points"])
    return sorted(risks.values(), key=lambda r: (-r.score, r.org_number))
