"""The weekly digest to the follow-up team: who ranks highest this week, and why.

It carries supplier names, scores and reasons only: never client data, addresses or
evidence, which stay behind the audit-logged UI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from monitor.alerting.chart import trend_chart
from monitor.alerting.claims import Refusal, claim_period, record
from monitor.alerting.mail import (
    DeliveryUncertain,
    MailError,
    build_message,
    deliver,
    load_strings,
    mail_domain,
    render_email,
    stable_message_id,
)
from monitor.alerting.sections import DigestSections, build_sections, data_period, top_line
from monitor.alerting.sections import SectionReason as DigestReason
from monitor.config import Settings
from monitor.findings.purchases import MonthlySpend, monthly_spend
from monitor.jobs.runs import failing_jobs
from monitor.models import ImportBatch
from monitor.phrasing import format_number
from monitor.ranking.report import RankedSupplier, latest_ranking
from monitor.ranking.score import ScoringConfig
from monitor.runs import latest_run
from monitor.timestamps import STOCKHOLM, local_text

logger = logging.getLogger(__name__)


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
class DigestJobProblem:
    """A service job whose latest run failed: named in the footer, so a silent stop is noticed.
    Only the job and the kind of error: a message could quote data the digest must not carry."""

    job: str
    failed_at: str
    error_kind: str


@dataclass(frozen=True)
class DigestContext:
    t: dict[str, str]
    period: str
    generated: str
    suppliers: list[DigestSupplier]
    suppliers_scored: int
    imports: list[DigestImport]
    rejected_rows: int
    failing_jobs: list[DigestJobProblem] = field(default_factory=list)
    # The line read first ("3 nya larm, 2 stigande, ...") and the visits the scores judged.
    top_line: str = ""
    data_period: str = ""
    sections: DigestSections = field(default_factory=DigestSections)
    # The risk-trend chart, sent inside the email; no chart when no alert is open.
    chart_cid: str | None = None
    chart_alt: str = ""
    chart_caption: str = ""
    chart_png: bytes | None = None
    # Spend outside contract per month, with the share within contract ("leverantörstrohet").
    spend: list[str] = field(default_factory=list)


@dataclass
class DigestOutcome:
    period: str
    location: str | None  # where it went; None when nothing was sent this time (see status)
    suppliers: int
    # sent: delivered now; already sent, being sent by another process ("claimed", "sending"),
    # or "uncertain": the mail server may have it, and it is not sent again without --force;
    # "skipped": nothing was new and MONITOR_DIGEST_ONLY_WHEN_NEW is set (not tried again that week).
    status: str = "sent"
    error: str | None = None


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
        run = latest_run(conn)
        previous = {s.org_number: s.previous_score for s in ranking.suppliers if s.previous_score is not None}
        sections = build_sections(conn, t, settings.language, now, previous, settings.base_url)
        shown = [*sections.new, *sections.woken, *sections.rising, *sections.still_open]
        chart = trend_chart(conn, [a.org_number for a in shown], t, settings.language)
        spend = [spend_line(m, t, settings.language) for m in monthly_spend(conn)]
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
        generated=local_text(now),
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
            DigestImport(r.kind, Path(r.file_name).name, r.rows_accepted, r.rows_rejected, r.status)
            for r in batches
        ],
        rejected_rows=sum(r.rows_rejected for r in batches),
        failing_jobs=[DigestJobProblem(r.job, local_text(r.finished_at or r.started_at),
                                       (r.error or "").split(":", 1)[0])
                      for r in failing_jobs(engine)],
        top_line=top_line(sections, t, settings.language),
        data_period=data_period(run.window_start, run.window_end, t) if run is not None else "",
        sections=sections,
        chart_cid=f"trend.{period_key(now)}@{mail_domain(settings)}" if chart else None,
        chart_alt=chart.alt if chart else "",
        chart_caption=chart.caption if chart else "",
        chart_png=chart.png if chart else None,
        spend=spend,
    )


def spend_line(month: MonthlySpend, t: dict[str, str], language: str) -> str:
    """One month's spend outside contract in words, the amounts in whole kronor."""
    loyalty = "–" if month.loyalty is None else format_number(round(100 * month.loyalty, 1), language)
    return t["spend_line"].format(
        month=f"{month.month:%Y-%m}", outside=format_number(round(month.outside), language),
        total=format_number(round(month.total), language),
        outside_register=format_number(round(month.outside_register), language),
        suppliers=month.suppliers_outside_register,
        outside_contract=format_number(round(month.outside_contract), language), loyalty=loyalty,
    )


def send_digest(
    engine: Engine, settings: Settings, config: ScoringConfig, now: datetime, force: bool = False
) -> DigestOutcome:
    """Render and deliver this week's digest exactly once; `force` sends it again.

    The week is claimed in the database first (monitor.alerting.claims), so two processes, a
    retry or a restart deliver it once. A failure before the message reached the mail server
    leaves the week to the next run; a lost line after it is "uncertain" and is not retried."""
    period = period_key(now)
    stale_after = timedelta(minutes=settings.digest_claim_timeout_minutes)
    claim = claim_period(engine, period, now, stale_after, force)
    if isinstance(claim, Refusal):
        logger.info("Digest not sent period=%s status=%s", period, claim.status)
        return DigestOutcome(period, None, 0, status=claim.status, error=claim.error)
    handed_over = False

    def handing_over(message_id: str) -> None:
        nonlocal handed_over
        if not record(engine, claim, "sending", message_id=message_id):
            raise MailError(f"the claim on the {period} digest was taken over by another process; not sent")
        handed_over = True

    try:
        context = build_digest_context(engine, settings, config, now)
        if context is None:
            raise LookupError("no scoring run yet: run `monitor score` first")
        if settings.digest_only_when_new and not force and not context.sections.anything_new:
            # Recorded as done for the week, so the scheduler's retries do not ask again.
            record(engine, claim, "skipped", error=None)
            logger.info("Digest skipped period=%s: no new, rising or woken alert", period)
            return DigestOutcome(period, None, 0, status="skipped")
        subject, text, html = render_email(settings.resolved("templates_dir"), "digest", context)
        message_id = stable_message_id(settings, f"digest-{period}", settings.recipients,
                                       claim.attempt - 1 if claim.resend else 0)
        images = [(context.chart_cid, context.chart_png)] if context.chart_cid and context.chart_png else None
        message = build_message(settings, settings.recipients, subject, text, html, now, message_id, images)
        location = deliver(settings, message, f"digest-{period}", new_file=claim.resend,
                           on_handover=lambda: handing_over(message_id))
    except DeliveryUncertain as exc:
        record(engine, claim, "uncertain", error=str(exc))
        logger.warning("Digest delivery uncertain period=%s error=%s", period, exc)
        return DigestOutcome(period, None, 0, status="uncertain", error=str(exc))
    except MailError as exc:
        # The server answered with a refusal, or was never reached: nothing was delivered.
        record(engine, claim, "failed", error=str(exc))
        raise
    except BaseException as exc:
        error = str(exc) or type(exc).__name__
        # Stopped after the message began to go out: it may have arrived. Before that, nothing
        # reached the server and the week is free for the next run.
        record(engine, claim, "uncertain" if handed_over else "failed", error=error)
        raise
    record(engine, claim, "sent", location=location, delivered_to=", ".join(settings.recipients), sent_at=now,
           error=None)
    logger.info("Delivered digest period=%s suppliers=%d location=%s", period, len(context.suppliers),
                location)
    return DigestOutcome(period, location, len(context.suppliers))
