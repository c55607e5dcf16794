"""The weekly digest to the follow-up team: who ranks highest this week, and why.

It carries supplier names, scores and reasons only: never client data, addresses or
evidence, which stay behind the audit-logged UI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select

from monitor.alerting.mail import build_message, deliver, load_strings, render_email
from monitor.config import Settings
from monitor.models import DigestLog, ImportBatch
from monitor.ranking.report import RankedSupplier, latest_ranking
from monitor.ranking.score import ScoringConfig
from monitor.timestamps import STOCKHOLM

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestReason:
    title: str
    detail: str


@dataclass(frozen=True)
class DigestSupplier:
    rank: int
    name: str
    org_number: str
    contract_area: str
    score: str
    movement: str
    reasons: list[DigestReason]


@dataclass(frozen=True)
class DigestImport:
    kind: str
    file_name: str
    rows_accepted: int
    rows_rejected: int
    status: str


@dataclass(frozen=True)
class DigestContext:
    t: dict[str, str]
    period: str
    generated: str
    suppliers: list[DigestSupplier]
    suppliers_scored: int
    imports: list[DigestImport]
    rejected_rows: int


@dataclass
class DigestOutcome:
    period: str
    location: str | None  # None when this period's digest was already delivered
    suppliers: int


def period_key(now: datetime) -> str:
    year, week, _ = now.astimezone(STOCKHOLM).isocalendar()
    return f"{year}-W{week:02d}"


def _movement(supplier: RankedSupplier, t: dict[str, str]) -> str:
    if supplier.change is None:
        return t["movement_new"]
    if supplier.change > 0:
        return t["movement_up"].format(places=supplier.change)
    if supplier.change < 0:
        return t["movement_down"].format(places=-supplier.change)
    return ""


def build_digest_context(
    engine: Engine, settings: Settings, config: ScoringConfig, now: datetime
) -> DigestContext | None:
    t = load_strings(settings.resolved("templates_dir"), settings.language)
    with engine.connect() as conn:
        ranking = latest_ranking(conn, language=settings.language)
        if ranking is None:
            return None
        b = ImportBatch.__table__.c  # type: ignore[attr-defined]
        batches = conn.execute(
            select(b.kind, b.file_name, b.rows_accepted, b.rows_rejected, b.status)
            .where(b.started_at >= now - timedelta(days=7))
            .order_by(b.id)
        ).all()
    flagged = [s for s in ranking.suppliers if s.score >= config.digest_min_score][: config.digest_top]
    year, week, _ = now.astimezone(STOCKHOLM).isocalendar()
    return DigestContext(
        t=t,
        period=t["period"].format(week=week, year=year),
        generated=now.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
        suppliers=[
            DigestSupplier(
                rank=s.rank,
                name=s.name,
                org_number=s.org_number,
                contract_area=s.contract_area,
                score=f"{s.score:.0f}",
                movement=_movement(s, t),
                reasons=[DigestReason(r["title"], r["detail"]) for r in s.reasons],
            )
            for s in flagged
        ],
        suppliers_scored=len(ranking.suppliers),
        imports=[
            DigestImport(r.kind, r.file_name.rsplit("/", 1)[-1], r.rows_accepted, r.rows_rejected, r.status)
            for r in batches
        ],
        rejected_rows=sum(r.rows_rejected for r in batches),
    )


def send_digest(
    engine: Engine, settings: Settings, config: ScoringConfig, now: datetime, force: bool = False
) -> DigestOutcome:
    """Render and deliver this week's digest once; `force` sends it again."""
    period = period_key(now)
    logs = DigestLog.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        already = conn.execute(select(logs.c.location).where(logs.c.period == period)).first()
    if already and not force:
        logger.info("Digest already delivered period=%s location=%s", period, already.location)
        return DigestOutcome(period, None, 0)
    context = build_digest_context(engine, settings, config, now)
    if context is None:
        raise LookupError("no scoring run yet: run `monitor score` first")
    subject, text, html = render_email(settings.resolved("templates_dir"), "digest", context)
    message = build_message(settings, settings.recipients, subject, text, html, now)
    location = deliver(settings, message, f"digest-{period}")
    with engine.begin() as conn:
        conn.execute(logs.delete().where(logs.c.period == period))
        conn.execute(
            insert(logs).values(period=period, delivered_to=", ".join(settings.recipients),
                                location=location, created_at=now)
        )
    logger.info("Delivered digest period=%s suppliers=%d location=%s", period, len(context.suppliers),
                location)
    return DigestOutcome(period, location, len(context.suppliers))
