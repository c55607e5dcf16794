"""One scoring run: rules -> findings, features -> outliers, then supplier scores, stored together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, insert, update

from monitor.db import utcnow
from monitor.findings.evaluate import EvaluationSummary, evaluate_rules
from monitor.findings.evidence import Evidence
from monitor.findings.rules import Rule
from monitor.media.keywords import MediaRules
from monitor.media.signals import SupplierMedia, match_articles, media_signals
from monitor.models import ScoringRun, SupplierScore
from monitor.ranking.outliers import SupplierOutlier, score_outliers
from monitor.ranking.score import ScoringConfig, SupplierRisk, score_suppliers

logger = logging.getLogger(__name__)


@dataclass
class ScoringOutcome:
    run_id: int
    evaluation: EvaluationSummary
    ranking: list[SupplierRisk]
    as_of: datetime
    outliers: dict[int, SupplierOutlier] = field(default_factory=dict)
    media: dict[int, SupplierMedia] = field(default_factory=dict)


def evidence_as_of(evidence: Evidence) -> datetime:
    """The end of the latest registered visit: what recency is measured from, so the same
    evidence scores the same on any day. Without visits, now."""
    ends = evidence.visits["registered_end"].to_numpy(dtype="float64")
    ends = ends[np.isfinite(ends)]
    if ends.size == 0:
        return utcnow()
    return datetime.fromtimestamp(float(ends.max()), UTC)


def run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str = "sv",
    on_rule: Callable[[Rule], None] | None = None, as_of: datetime | None = None,
    media_rules: MediaRules | None = None,
) -> ScoringOutcome:
    runs = ScoringRun.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(runs).values(started_at=utcnow()).returning(runs.c.id)
        ).scalar_one()
        evidence = Evidence(conn)  # loaded once, shared by the rules and the outlier scoring
        evaluation = evaluate_rules(conn, rules, run_id, on_rule, evidence=evidence)
        as_of = as_of or evidence_as_of(evidence)
        outliers = score_outliers(evidence, config.outliers, as_of.timestamp()) if config.outliers.enabled else {}
        media: dict[int, SupplierMedia] = {}
        if media_rules is not None:
            match_articles(conn, media_rules)
            media = media_signals(conn, as_of, config.recency.half_life_days)
        ranking = score_suppliers(conn, run_id, config, as_of, outliers, language, media)
        if ranking:
            conn.execute(
                insert(SupplierScore.__table__),  # type: ignore[arg-type]
                [
                    {"run_id": run_id, "supplier_id": r.supplier_id, "score": r.score, "rank": i,
                     "reasons": r.reasons, "components": r.components}
                    for i, r in enumerate(ranking, start=1)
                ],
            )
        conn.execute(
            update(runs).where(runs.c.id == run_id).values(
                finished_at=utcnow(),
                findings_total=evaluation.findings_total,
                findings_new=evaluation.findings_new,
                as_of=as_of,
            )
        )
    logger.info("Scored suppliers run_id=%d suppliers=%d findings=%d new=%d outliers=%d", run_id, len(ranking),
                evaluation.findings_total, evaluation.findings_new, len(outliers))
    return ScoringOutcome(run_id, evaluation, ranking, as_of, outliers, media)
