"""What each job does: thin calls into the pipeline stages, each returning its counts.

Every task is safe to run again: polling claims due feeds, the inbox skips files it has imported,
scoring adds no finding for unchanged evidence, the digest is claimed once per week."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert

from monitor.config import Settings
from monitor.jobs.context import JobContext
from monitor.models import MetaValue

logger = logging.getLogger(__name__)


Task = Callable[[JobContext, dict[str, Any]], dict[str, Any]]


def poll_feeds_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from monitor.jobs.metrics import FEED_POLLS
    from monitor.media.feeds import load_feeds
    from monitor.media.poller import poll_feeds

    feeds_file = load_feeds(ctx.settings.resolved("feeds_file"))
    summary = poll_feeds(ctx.engine, feeds_file, now=ctx.now(), media_rules=_media_rules(ctx.settings),
                         allow_private_networks=ctx.settings.feeds_allow_private_networks)
    FEED_POLLS.labels(outcome="ok").inc(summary.ok)
    FEED_POLLS.labels(outcome="failed").inc(summary.failed)
    return {"ok": summary.ok, "failed": summary.failed, "new_articles": summary.total("new")}


def import_inbox_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from monitor.jobs.inbox import import_inbox

    outcome = import_inbox(ctx)
    if outcome.get("rows_changed"):
        ctx.on_evidence_changed()
    return outcome


def score_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring

    rules_dir = ctx.settings.resolved("rules_dir")
    rules, config = load_rules(rules_dir), load_scoring_config(rules_dir)
    outcome = run_scoring(ctx.engine, rules, config, ctx.settings.language, now=ctx.now(),
                          media_rules=_media_rules(ctx.settings), group_visits=ctx.settings.scoring_group_visits)
    return {"run_id": outcome.run_id, "findings": outcome.evaluation.findings_total,
            "findings_new": outcome.evaluation.findings_new, "suppliers": len(outcome.ranking),
            "alerts_opened": outcome.alerts.opened, "alerts_woken": outcome.alerts.woken,
            "alerts_reopened": outcome.alerts.reopened}


def digest_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from monitor.alerting.digest import send_digest
    from monitor.ranking.score import load_scoring_config

    config = load_scoring_config(ctx.settings.resolved("rules_dir"))
    outcome = send_digest(ctx.engine, ctx.settings, config, ctx.now())
    # "sent" now; otherwise why not: sent before this week, being sent elsewhere, uncertain.
    return {"period": outcome.period, "status": outcome.status, "suppliers": outcome.suppliers}


def retention_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from monitor.jobs.retention import purge_old_visits

    return purge_old_visits(ctx.engine, ctx.now(), ctx.settings.retention_months, params.get("run_id"))


def sleep_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Test task: takes `seconds`, in small steps, like a long scoring run; with `write: true`
    inside an open transaction that has written a row, to show an interrupted job's work is undone."""
    deadline = time.monotonic() + float(params.get("seconds", 1))
    with ctx.engine.begin() as conn:
        if params.get("write"):
            conn.execute(insert(MetaValue.__table__).values(  # type: ignore[arg-type]
                name=f"test-sleep-{params.get('run_id')}", value="written by a test job", updated_at=ctx.now()))
        while time.monotonic() < deadline:
            time.sleep(0.05)
    return {"slept_seconds": params.get("seconds", 1)}


def fail_task(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Test task: a job with a bug."""
    raise RuntimeError(params.get("message", "this job always fails"))


TASKS: dict[str, Task] = {
    "poll-feeds": poll_feeds_task,
    "import-inbox": import_inbox_task,
    "score": score_task,
    "digest": digest_task,
    "retention": retention_task,
    "sleep": sleep_task,
    "fail": fail_task,
}


def _media_rules(settings: Settings) -> Any:
    rules_dir = settings.resolved("rules_dir")
    if not (rules_dir / "media.yaml").exists():
        return None
    from monitor.media.keywords import load_media_rules

    return load_media_rules(rules_dir)
