"""One scoring run: rules -> findings -> supplier scores, stored together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, update

from monitor.db import utcnow
from monitor.findings.evaluate import EvaluationSummary, evaluate_rules
from monitor.findings.rules import Rule
from monitor.models import ScoringRun, SupplierScore
from monitor.ranking.score import ScoringConfig, SupplierRisk, score_suppliers

logger = logging.getLogger(__name__)


@dataclass
class ScoringOutcome:
    run_id: int
    evaluation: EvaluationSummary
    ranking: list[SupplierRisk]


def run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str = "sv",
    on_rule: Callable[[Rule], None] | None = None,
) -> ScoringOutcome:
    runs = ScoringRun.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(runs).values(started_at=utcnow()).returning(runs.c.id)
        ).scalar_one()
        evaluation = evaluate_rules(conn, rules, run_id, on_rule)
        ranking = score_suppliers(conn, run_id, config, language)
        if ranking:
            conn.execute(
                insert(SupplierScore.__table__),  # type: ignore[arg-type]
                [
                    {"run_id": run_id, "supplier_id": r.supplier_id, "score": r.score, "rank": i,
                     "reasons": r.reasons}
                    for i, r in enumerate(ranking, start=1)
                ],
            )
        conn.execute(
            update(runs).where(runs.c.id == run_id).values(
                finished_at=utcnow(),
                findings_total=evaluation.findings_total,
                findings_new=evaluation.findings_new,
            )
        )
    logger.info("Scored suppliers run_id=%d suppliers=%d findings=%d new=%d", run_id, len(ranking),
                evaluation.findings_total, evaluation.findings_new)
    return ScoringOutcome(run_id, evaluation, ranking)
