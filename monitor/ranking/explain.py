"""`monitor explain`: one supplier's score taken apart, source by source, finding by finding.

Read from what the latest scoring run stored (its score, components and reasons, the findings it
reproduced and its as-of instant), so the numbers shown are the numbers that made the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from monitor.findings.periods import PERIODS, period_keys, period_label
from monitor.imports.fields import org_number_as_stored
from monitor.messages import render_detail
from monitor.models import Finding, ScoringRun, Supplier, SupplierScore
from monitor.output import print_table
from monitor.ranking.score import ScoringConfig
from monitor.ranking.wording import reworded
from monitor.recency import decay
from monitor.runs import findings_of_run, latest_run
from monitor.timestamps import STOCKHOLM, local_iso, local_text


@dataclass(frozen=True)
class FindingLine:
    period: str
    strength: float
    decay: float
    detail: str
    evidence: dict[str, int]  # kind of evidence -> how many ids the finding lists


@dataclass
class RuleLine:
    rule_id: str
    title: str
    severity: str
    points: float
    strength: float
    findings: list[FindingLine] = field(default_factory=list)


@dataclass
class Explanation:
    org_number: str
    name: str
    contract_area: str
    run_id: int
    scored_at: datetime
    as_of: datetime | None
    score: float
    rank: int
    suppliers: int
    previous_score: float | None
    components: dict[str, float]
    saturation: float
    rules: list[RuleLine]
    outlier: dict[str, Any] | None
    media: list[dict[str, Any]]

    @property
    def total_points(self) -> float:
        return round(sum(self.components.values()), 2)

    def as_json(self) -> dict[str, Any]:
        return {
            "org_number": self.org_number, "name": self.name, "contract_area": self.contract_area,
            "run_id": self.run_id, "as_of": local_iso(self.as_of) if self.as_of else None,
            "score": self.score, "rank": self.rank, "suppliers": self.suppliers,
            "previous_score": self.previous_score, "components": self.components,
            "total_points": self.total_points, "saturation": self.saturation,
            "rules": [
                {"id": r.rule_id, "title": r.title, "severity": r.severity, "points": r.points,
                 "strength": r.strength, "findings": [f.__dict__ for f in r.findings]}
                for r in self.rules
            ],
            "outlier": self.outlier,
            "media": self.media,
        }


def _period_text(start: datetime, end: datetime) -> str:
    """The period as the team names it (2026-W41), or the window's local times."""
    from monitor.findings.periods import period_bounds

    for period in PERIODS:
        key = period_keys(np.array([start.timestamp()]), period)[0]
        if period_bounds(key, period) == (start, end):
            return period_label(key, period)
    start, end = start.astimezone(STOCKHOLM), end.astimezone(STOCKHOLM)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M} – {end:%H:%M}"
    if (start.hour, start.minute, end.hour, end.minute) == (0, 0, 0, 0):
        # Whole days, as a run of weeks is: the end is exclusive, so show the last day.
        return f"{start:%Y-%m-%d} – {end - timedelta(days=1):%Y-%m-%d}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def explain_supplier(conn: Connection, org_number: str, config: ScoringConfig, language: str = "sv") -> Explanation:
    """The breakdown for the supplier with this org number (with or without hyphen)."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    supplier = conn.execute(
        select(s.id, s.org_number, s.name, s.contract_area).where(s.org_number == org_number_as_stored(org_number))
    ).first()
    if supplier is None:
        raise LookupError(f"no supplier with org number {org_number!r}")
    runs = ScoringRun.__table__.c  # type: ignore[attr-defined]
    run = latest_run(conn)
    if run is None:
        raise LookupError("no scoring run yet: run `monitor score` first")
    ss = SupplierScore.__table__.c  # type: ignore[attr-defined]
    row = conn.execute(
        select(SupplierScore.__table__).where(ss.run_id == run.id, ss.supplier_id == supplier.id)
    ).first()
    if row is None:
        raise LookupError(f"{supplier.name} ({supplier.org_number}) was not scored in run {run.id}")
    count = conn.execute(select(func.count()).select_from(SupplierScore.__table__).where(ss.run_id == run.id)).scalar()
    previous = conn.execute(
        select(ss.score).join(ScoringRun.__table__, runs.id == ss.run_id)  # type: ignore[attr-defined]
        .where(ss.supplier_id == supplier.id, runs.id < run.id, runs.finished_at.is_not(None), runs.backfill.is_(False))
        .order_by(runs.id.desc()).limit(1)
    ).scalar()
    reasons = [reworded(r, language) for r in row.reasons]
    return Explanation(
        org_number=supplier.org_number, name=supplier.name, contract_area=supplier.contract_area,
        run_id=run.id, scored_at=run.finished_at, as_of=run.as_of, score=row.score, rank=row.rank,
        suppliers=count or 0, previous_score=previous, components=row.components or {},
        saturation=config.saturation,
        rules=_rule_lines(conn, run, supplier.id, reasons, config, language),
        outlier=next((r for r in reasons if r.get("source") == "outlier"), None),
        media=[r for r in reasons if r.get("source") == "media"],
    )


def _rule_lines(
    conn: Connection, run: Any, supplier_id: int, reasons: list[dict[str, Any]], config: ScoringConfig, language: str
) -> list[RuleLine]:
    f = Finding.__table__.c  # type: ignore[attr-defined]
    findings = conn.execute(
        findings_of_run(run.id).where(f.supplier_id == supplier_id)
        .order_by(f.rule_id, f.period_start)
    ).all()
    lines = []
    for reason in (r for r in reasons if r.get("source") == "rule"):
        line = RuleLine(reason["id"], reason["title"], reason.get("severity", ""), reason.get("points", 0.0),
                        reason.get("strength", 0.0))
        for finding in (x for x in findings if x.rule_id == reason["id"]):
            weight = decay(finding.period_end, run.as_of, config.recency.half_life_days) if run.as_of else 1.0
            line.findings.append(FindingLine(
                period=_period_text(finding.period_start, finding.period_end),
                strength=round(finding.strength, 3),
                decay=round(weight, 3),
                detail=render_detail(finding.detail, language),
                evidence={k: len(v) for k, v in finding.evidence.items()},
            ))
        lines.append(line)
    return lines


def print_explanation(console: Any, result: Explanation) -> None:
    """The breakdown as text: formula first, then each source with the numbers behind it."""
    from rich.markup import escape
    from rich.table import Table

    c = result.components
    as_of = f", recency as of {local_text(result.as_of)}" if result.as_of else ""
    before = "" if result.previous_score is None else f"; previous run {result.previous_score:.0f}"
    console.print(f"[bold]{escape(result.name)}[/] ({result.org_number}, {escape(result.contract_area)})")
    console.print(f"Risk {result.score:.0f} of 100, rank {result.rank} of {result.suppliers} "
                  f"(scoring run {result.run_id}{as_of}){before}", highlight=False)
    if not c or result.as_of is None:
        console.print("Scored before the points per source were stored: run `monitor score` for the breakdown.",
                      highlight=False)
        return
    console.print(
        f"Points: rules {c.get('rules', 0):.1f} + peers {c.get('outlier', 0):.1f} + media {c.get('media', 0):.1f}"
        f" = {result.total_points:.1f}; risk = 100 × (1 − e^(−{result.total_points:.1f} / {result.saturation:g}))"
        f" = {result.score:.1f}", highlight=False,
    )
    console.print("\n[bold]Rules[/]" if result.rules else "\n[bold]Rules[/]: no findings in this run")
    for rule in result.rules:
        console.print(f"  {escape(rule.rule_id)} ({rule.severity}): {escape(rule.title)}: {rule.points:.1f} points "
                      f"from strength {rule.strength:.2f} after recency", highlight=False)
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for name, justify in (("period", "left"), ("strength", "right"), ("recency", "right"),
                              ("evidence", "left"), ("detail", "left")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for f in rule.findings:
            evidence = ", ".join(f"{n} {k.removesuffix('_ids')}" for k, n in f.evidence.items() if n)
            table.add_row(f.period, f"{f.strength:.2f}", f"{f.decay:.2f}", escape(evidence), escape(f.detail))
        print_table(console, table)
    outlier = result.outlier
    if outlier is None:
        console.print("\n[bold]Peers[/]: not unlike its peers (or not enough visits to compare)")
    else:
        console.print(f"\n[bold]Peers[/]: strength {outlier['strength']:.2f} → {outlier['points']:.1f} points; "
                      f"{escape(outlier['detail'])}", highlight=False)
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for name in ("feature", "supplier", "peer median", "z"):
            table.add_column(name, justify="left" if name == "feature" else "right")
        for e in outlier.get("explanations", []):
            table.add_row(e["feature"], f"{e['value']:.3g}", f"{e['peer_median']:.3g}", f"{e['z']:.1f}")
        print_table(console, table)
    if result.media:
        console.print("\n[bold]Media[/]")
        for reason in result.media:
            console.print(f"  {escape(reason['title'])}: {escape(reason['detail'])}", highlight=False)
    else:
        console.print("\n[bold]Media[/]: no media signals", highlight=False)
