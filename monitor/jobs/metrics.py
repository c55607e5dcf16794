"""Prometheus metrics of the service: what this process did (job runs and their durations by
status, feed polls by outcome), and what the database holds (findings by severity, alerts by
state) read at each scrape, so every replica reports the same totals."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from monitor.models import Alert, Feed, Finding

REGISTRY = CollectorRegistry()
JOB_DURATION = Histogram(
    "monitor_job_run_seconds", "Job runs by job and status, and how long they took.", ["job", "status"],
    registry=REGISTRY, buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
FEED_POLLS = Counter("monitor_feed_polls", "Feed polls by outcome.", ["outcome"], registry=REGISTRY)


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.engine is None:
            return
        f, feeds = Finding.__table__.c, Feed.__table__.c  # type: ignore[attr-defined]
        findings = GaugeMetricFamily("monitor_findings", "Findings stored, by severity.", labels=["severity"])
        health = GaugeMetricFamily("monitor_feeds", "Enabled feeds by health.", labels=["health"])
        alerts = GaugeMetricFamily("monitor_alerts", "Alerts (cases) by state.", labels=["state"])
        a = Alert.__table__.c  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            for state, count in conn.execute(select(a.state, func.count()).group_by(a.state)):
                alerts.add_metric([state], count)
            for severity, count in conn.execute(select(f.severity, func.count()).group_by(f.severity)):
                findings.add_metric([severity], count)
            for healthy, count in conn.execute(
                    select(feeds.healthy, func.count()).where(feeds.enabled.is_(True)).group_by(feeds.healthy)):
                health.add_metric(["healthy" if healthy else "failing"], count)
        yield findings
        yield health
        yield alerts


_database = DatabaseCollector(None)  # type: ignore[arg-type]
REGISTRY.register(_database)


def metrics_text(engine: Engine) -> bytes:
    """The Prometheus text exposition, with the database's numbers read now."""
    _database.engine = engine
    return generate_latest(REGISTRY)
