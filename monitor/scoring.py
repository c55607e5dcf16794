"""One scoring run: rules -> findings, features -> outliers, then supplier scores, stored together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

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
from monitor.models import ScoringRun, Supplier, SupplierScore, Visit
from monitor.ranking.features import supplier_period_features
from monitor.ranking.outliers import SupplierOutlier, score_feature_table
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


def evidence_as_of(latest_end: float | None, window: ScoringWindow, now: datetime) -> datetime:
    """The end of the latest registered visit (`latest_end`, epoch seconds; None: no visits):
    what recency is measured from, so the same evidence scores the same on any day. Never after
    the window's end or the run's own clock: one visit mistyped into a later year must not age
    every finding into nothing."""
    limit = min(window.end, now)
    if latest_end is None:
        return limit
    return min(datetime.fromtimestamp(latest_end, UTC), limit)


def latest_end(evidence: Evidence) -> float | None:
    ends = evidence.visits["registered_end"].to_numpy(dtype="float64")
    ends = ends[np.isfinite(ends)]
    return float(ends.max()) if ends.size else None


def supplier_groups(conn: Connection, window: ScoringWindow, group_visits: int | None) -> list[frozenset[int] | None]:
    """The groups of suppliers a run loads and judges one at a time, each with at most about
    `group_visits` visits in the window and its lookback (a supplier with more is a group on its
    own). [None] (every supplier at once) when the whole window fits, or without a limit.

    Every detector judges one supplier from its own visits, so a group's findings are the ones
    a run over everyone makes; what a rule needs from all suppliers at once (the service types
    and days the visits cover) is read by the database (Evidence.window_*)."""
    if not group_visits:
        return [None]
    t = Visit.__table__.c  # type: ignore[attr-defined]
    counts = dict(conn.execute(
        select(t.supplier_id, func.count())
        .where(t.registered_start >= window.load_from, t.registered_start < window.end)
        .group_by(t.supplier_id)
    ).all())
    if sum(counts.values()) <= group_visits:
        return [None]
    # Suppliers without visits too: the register and invoice rules judge them.
    everyone = sorted(conn.execute(select(Supplier.__table__.c.id)).scalars())  # type: ignore[attr-defined]
    groups: list[set[int]] = [set()]
    size = 0
    for supplier_id in everyone:
        n = counts.get(supplier_id, 0)
        if size and size + n > group_visits:
            groups.append(set())
            size = 0
        groups[-1].add(supplier_id)
        size += n
    return [frozenset(g) for g in groups]


def run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str = "sv",
    on_rule: Callable[[Rule], None] | None = None, now: datetime | None = None,
    media_rules: MediaRules | None = None, since: date | None = None, until: date | None = None,
    timings: Timings | None = None, group_visits: int | None = None,
    on_group: Callable[[int, int], None] | None = None,
) -> ScoringOutcome:
    """Score the window: the latest `config.window.weeks` weeks, or [since, until] as a back-fill.

    `now` is the run's clock (tests pass one); nothing after it is judged. `group_visits`: load
    and judge the suppliers in groups of about this many visits (supplier_groups), so memory
    follows the largest group rather than the window; None: all at once. `on_group(i, n)` is
    told as the i-th of n groups (from 0) starts."""
    now = now or utcnow()
    # One scoring run at a time: a second says who is running rather than wait on the database.
    with leased(engine, "score", LEASE_TTL) as lease:

        def on_rule_renewing(rule: Rule) -> None:
            lease.renew()
            if on_rule is not None:
                on_rule(rule)

        return _run_scoring(engine, rules, config, language, on_rule_renewing, now, media_rules, since, until,
                            timings, group_visits, on_group)


def _run_scoring(
    engine: Engine, rules: list[Rule], config: ScoringConfig, language: str,
    on_rule: Callable[[Rule], None] | None, now: datetime, media_rules: MediaRules | None,
    since: date | None, until: date | None, timings: Timings | None = None, group_visits: int | None = None,
    on_group: Callable[[int, int], None] | None = None,
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
        groups = supplier_groups(conn, window, group_visits)
        evaluation = EvaluationSummary()
        features: list[pd.DataFrame] = []
        ends: list[float] = []
        visits_read = 0
        # The window and its lookback, only the columns the rules read unless the outlier scoring
        # reads them all; the visits loaded once per group, shared by the rules and the features.
        evidence = Evidence(conn, since=window.load_from, until=window.end,
                            visit_columns=None if config.outliers.enabled else visit_columns_for(rules))
        for index, group in enumerate(groups):
            if on_group is not None:
                on_group(index, len(groups))
            # The previous group's visits are let go here, before this group's are loaded.
            evidence = evidence.for_suppliers(group)
            evidence.visits  # noqa: B018  (loaded here, so that the load is not timed as the first rule)
            lap("evidence")
            found = evaluate_rules(conn, rules, run_id, on_rule, evidence=evidence, window=window, timings=timings,
                                   suppliers=group)
            evaluation.findings_total += found.findings_total
            evaluation.findings_new += found.findings_new
            lap("rules")
            if config.outliers.enabled:
                features.append(supplier_period_features(evidence, config.outliers.period))
                lap("outliers")
            end = latest_end(evidence)
            if end is not None:
                ends.append(end)
            visits_read += len(evidence.visits)
        if len(groups) > 1:
            logger.info("Scored in groups run_id=%d groups=%d visits=%d", run_id, len(groups), visits_read)
        as_of = evidence_as_of(max(ends, default=None), window, now)
        outliers = (score_feature_table(pd.concat(features), evidence.suppliers, config.outliers, as_of.timestamp(),
                                        judged_from=window.start)
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
    return ScoringOutcome(run_id, evaluation, ranking, as_of, window, visits_read, outliers, media, alerts)
