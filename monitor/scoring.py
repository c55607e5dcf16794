"""One scoring run: rules -> findings, features -> outliers, then supplier scores, stored together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert, update

from monitor.alerts.sync import AlertSync, sync_alerts
from monitor.db import utcnow
from monitor.findings.detectors import visit_columns_for
from monitor.findings.evaluate import EvaluationSummary, evaluate_rules
from monitor.findings.evidence import Evidence
from monitor.findings.rules import Rule, Title
from monitor.findings.window import ScoringWindow, lookback_days, scoring_window
from monitor.jobs.leases import leased
from monitor.media.keywords import MediaRules
from monitor.media.signals import SupplierMedia, match_articles, media_signals
from monitor.models import ScoringRun, SupplierScore
from monitor.ranking.outliers import SupplierOutlier, score_outliers
from monitor.ranking.score import ScoringConfig, SupplierRisk, score_suppliers
from monitor.timings import Timings, no_lap

logger = logging.getLogger(__name__)
# A run renews its lease at every rule; one that stops renewing for this long is taken over.
LEASE_TTL = timedelta(minutes=30)


@dataclass
class ScoringOutcome:
    run_id: int
    evaluation: EvaluationSummary
    ranking: list[SupplierRisk]
    as_of: datetime
    window: ScoringWindow
    visits_read: int = 0  # the window's visits and its lookback's: what the run cost
    outliers: dict[int, SupplierOutlier] = field(default_factory=dict)
    media: dict[int, SupplierMedia] = field(default_factory=dict)
    alerts: AlertSync = field(default_factory=AlertSync)  # untouched by a back-fill


def evidence_as_of(evidence: Evidence, window: ScoringWindow, now: datetime) -> datetime:
    """The end of the latest registered visit: what recency is measured from, so the same
    evidence scores the same on any day. Never after the window's end or the run's own clock:
    one visit mistyped into a later year must not age every finding into nothing."""
    limit = min(window.end, now)
    ends = evidence.visits["registered_end"].to_numpy(dtype="float64")
    ends = ends[np.isfinite(ends)]
    if ends.size == 0:
        return limit
    return min(datetime.fromtimestamp(float(ends.max()), UTC), limit)


def run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str = "sv",
    on_rule: Callable[[Rule], None] | None = None, now: datetime | None = None,
    media_rules: MediaRules | None = None, since: date | None = None, until: date | None = None,
    timings: Timings | None = None,
) -> ScoringOutcome:
    """Score the window: the latest `config.window.weeks` weeks, or [since, until] as a back-fill.

    `now` is the run's clock (tests pass one); nothing after it is judged."""
    now = now or utcnow()
    # One scoring run at a time: a second says who is running rather than wait on the database.
    with leased(engine, "score", LEASE_TTL) as lease:

        def on_rule_renewing(rule: Rule) -> None:
            lease.renew()
            if on_rule is not None:
                on_rule(rule)

        return _run_scoring(engine, rules, config, language, on_rule_renewing, now, media_rules, since, until,
                            timings)


def _run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str,
    on_rule: Callable[[Rule], None] | None, now: datetime, media_rules: MediaRules | None,
    since: date | None, until: date | None, timings: Timings | None = None,
) -> ScoringOutcome:
    runs = ScoringRun.__table__  # type: ignore[attr-defined]
    lap = timings.lap if timings is not None else no_lap
    outlier_period = config.outliers.period if config.outliers.enabled else None
    with engine.begin() as conn:
        window = scoring_window(conn, config.window.weeks, now, since, until)
        window = window.with_lookback(lookback_days(rules, outlier_period, window.start))
        run_id = conn.execute(
            insert(runs).values(started_at=utcnow(), window_start=window.start, window_end=window.end,
                                backfill=window.backfill).returning(runs.c.id)
        ).scalar_one()
        lap("window")
        # Loaded once, shared by the rules and the outlier scoring: the window and its lookback,
        # only the columns the rules read unless the outlier scoring reads them all.
        evidence = Evidence(conn, since=window.load_from, until=window.end,
                            visit_columns=None if config.outliers.enabled else visit_columns_for(rules))
        evidence.visits  # noqa: B018  (loaded here, so that the load is not timed as the first rule)
        lap("evidence")
        evaluation = evaluate_rules(conn, rules, run_id, on_rule, evidence=evidence, window=window, timings=timings)
        lap("rules")
        as_of = evidence_as_of(evidence, window, now)
        outliers = (score_outliers(evidence, config.outliers, as_of.timestamp(), judged_from=window.start)
                    if config.outliers.enabled else {})
        lap("outliers")
        media: dict[int, SupplierMedia] = {}
        if media_rules is not None:
            match_articles(conn, media_rules)
            # A back-fill does not see the news that came after it; the latest run sees today's.
            media = media_signals(conn, as_of, config.recency.half_life_days,
                                  until=window.end if window.backfill else None)
        lap("media")
        titles = {rule.id: Title.model_validate(rule.title).as_dict() for rule in rules}
        classes = {rule.id: rule.evidence_class for rule in rules}
        ranking = score_suppliers(conn, run_id, config, as_of, outliers, language, media, titles, classes)
        if ranking:
            conn.execute(
                insert(SupplierScore.__table__),  # type: ignore[arg-type]
                [
                    {"run_id": run_id, "supplier_id": r.supplier_id, "score": r.score, "rank": i,
                     "reasons": r.reasons, "components": r.components}
                    for i, r in enumerate(ranking, start=1)
                ],
            )
        lap("ranking")
        # In the run's transaction: a run that fails leaves the alerts as they were. A back-fill
        # is history and must not open, wake or re-open today's cases.
        alerts = AlertSync() if window.backfill else sync_alerts(conn, run_id, ranking, config.alerts, now)
        conn.execute(
            update(runs).where(runs.c.id == run_id).values(
                finished_at=utcnow(),
                findings_total=evaluation.findings_total,
                findings_new=evaluation.findings_new,
                as_of=as_of,
            )
        )
        lap("alerts")
    logger.info("Scored suppliers run_id=%d window=%s backfill=%s suppliers=%d findings=%d new=%d outliers=%d "
                "alerts=%s", run_id, window.describe(), window.backfill, len(ranking), evaluation.findings_total,
                evaluation.findings_new, len(outliers), alerts.as_json())
    return ScoringOutcome(run_id, evaluation, ranking, as_of, window, len(evidence.visits), outliers, media, alerts)
