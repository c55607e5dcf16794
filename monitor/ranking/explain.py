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
from monitor.phrasing import fixed
from monitor.ranking.score import ScoringConfig, diminishing
from monitor.ranking.wording import reworded
from monitor.recency import decay, finding_age_from
from monitor.runs import findings_of_run, latest_run
from monitor.texts import Texts, Translator
from monitor.timestamps import STOCKHOLM, local_iso, local_text

# What `monitor explain` prints; as_json keeps English keys for programs whatever the language.
TEXTS = Texts(
    sv={
        "risk": "Risk {score} av 100, plats {rank} av {suppliers} (poängsättning {run}{as_of}){before}",
        "as_of": ", aktualitet räknad per {when}",
        "before": "; förra poängsättningen {score}",
        "not_stored": "Poängsatt innan poängen per källa sparades: kör `monitor score` för att se uppdelningen.",
        "points": "Poäng: regler {rules} + jämförelse {peers} + media {media} = {total}; "
                  "risk = 100 × (1 − e^(−{total} / {saturation})) = {score}",
        "rules_heading": "Regler",
        "rules_none": ": inga fynd i den här poängsättningen",
        "rule_line": "{rule} ({severity}, {evidence}): {title}: {points} poäng från styrkan {strength} efter "
                     "aktualitet{rarity}{cap}",
        "evidence_direct": "direkt bevis",
        "evidence_statistical": "statistiskt tecken",
        "rarity": "; vikt {weight} för att regeln flaggade {flagged} av {suppliers} leverantörer",
        "cap": "; {raw} poäng före taket för statistiska tecken",
        "direct_cap": "; direkta bevis räknas högst ×{multiplier}: några händelser räcker som bevis",
        "sev_low": "låg",
        "sev_medium": "medel",
        "sev_high": "hög",
        "sev_critical": "kritisk",
        "col_period": "period",
        "col_strength": "styrka",
        "col_recency": "aktualitet",
        "col_evidence": "underlag",
        "col_detail": "detalj",
        "ev_visit": "{n:besök|besök}",
        "ev_observation": "{n:portobservation|portobservationer}",
        "ev_staff": "{n:anställd|anställda}",
        "ev_late_staff": "{n:anställd|anställda} som ofta registrerar sent",
        "ev_top_staff": "{n:anställd|anställda} med flest sena registreringar",
        "ev_device": "{n:enhet|enheter}",
        "ev_snapshots": "{n:registeruttag|registeruttag}",
        "ev_invoice": "{n:faktura|fakturor}",
        "ev_org_numbers": "{n:annan leverantör|andra leverantörer}",
        "peers_heading": "Jämförelse med likartade leverantörer",
        "peers_none": ": avviker inte (eller för få besök för att jämföra)",
        "peers_line": ": styrka {strength} → {points} poäng{cap}; {detail}",
        "col_feature": "mått",
        "col_supplier": "leverantören",
        "col_peer_median": "median hos likartade",
        "col_z": "z",
        "media_heading": "Media",
        "media_none": ": inga mediasignaler",
    },
    en={
        "risk": "Risk {score} of 100, rank {rank} of {suppliers} (scoring run {run}{as_of}){before}",
        "as_of": ", recency as of {when}",
        "before": "; previous run {score}",
        "not_stored": "Scored before the points per source were stored: run `monitor score` for the breakdown.",
        "points": "Points: rules {rules} + peers {peers} + media {media} = {total}; "
                  "risk = 100 × (1 − e^(−{total} / {saturation})) = {score}",
        "rules_heading": "Rules",
        "rules_none": ": no findings in this run",
        "rule_line": "{rule} ({severity}, {evidence}): {title}: {points} points from strength {strength} after "
                     "recency{rarity}{cap}",
        "evidence_direct": "direct evidence",
        "evidence_statistical": "statistical sign",
        "rarity": "; weight {weight} since the rule flagged {flagged} of {suppliers} suppliers",
        "cap": "; {raw} points before the ceiling on statistical signs",
        "direct_cap": "; direct evidence counts at most ×{multiplier}: a few events prove it",
        "sev_low": "low",
        "sev_medium": "medium",
        "sev_high": "high",
        "sev_critical": "critical",
        "col_period": "period",
        "col_strength": "strength",
        "col_recency": "recency",
        "col_evidence": "evidence",
        "col_detail": "detail",
        "ev_visit": "{n:visit|visits}",
        "ev_observation": "{n:door observation|door observations}",
        "ev_staff": "{n:staff member|staff members}",
        "ev_late_staff": "{n:staff member|staff members} often registering late",
        "ev_top_staff": "{n:staff member|staff members} with the most late registrations",
        "ev_device": "{n:device|devices}",
        "ev_snapshots": "{n:register snapshot|register snapshots}",
        "ev_invoice": "{n:invoice|invoices}",
        "ev_org_numbers": "{n:other supplier|other suppliers}",
        "peers_heading": "Peers",
        "peers_none": ": not unlike its peers (or not enough visits to compare)",
        "peers_line": ": strength {strength} → {points} points{cap}; {detail}",
        "col_feature": "feature",
        "col_supplier": "supplier",
        "col_peer_median": "peer median",
        "col_z": "z",
        "media_heading": "Media",
        "media_none": ": no media signals",
    },
)


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
    evidence: str = "statistical"  # direct | statistical (docs/scoring.md, "Evidence classes")
    rarity: float = 1.0  # the rule's weight for how many suppliers it flagged in the run
    flagged_suppliers: int | None = None
    suppliers: int | None = None
    raw_points: float | None = None  # before the ceiling on statistical signs


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
    direct_max_multiplier: float = 2.0

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
                {"id": r.rule_id, "title": r.title, "severity": r.severity, "evidence": r.evidence,
                 "points": r.points, "raw_points": r.raw_points, "strength": r.strength, "rarity": r.rarity,
                 "flagged_suppliers": r.flagged_suppliers, "suppliers": r.suppliers,
                 "findings": [f.__dict__ for f in r.findings]}
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
        direct_max_multiplier=config.evidence.direct_max_multiplier,
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
                        reason.get("strength", 0.0), evidence=reason.get("evidence", "statistical"),
                        rarity=reason.get("rarity", 1.0), flagged_suppliers=reason.get("flagged_suppliers"),
                        suppliers=reason.get("suppliers"), raw_points=reason.get("raw_points"))
        for finding in (x for x in findings if x.rule_id == reason["id"]):
            weight = decay(finding_age_from(finding.period_end, finding.detail, run.as_of), run.as_of,
                           config.recency.half_life_days) if run.as_of else 1.0
            line.findings.append(FindingLine(
                period=_period_text(finding.period_start, finding.period_end),
                strength=round(finding.strength, 3),
                decay=round(weight, 3),
                detail=render_detail(finding.detail, language),
                evidence={k: len(v) for k, v in finding.evidence.items()},
            ))
        lines.append(line)
    return lines



def _evidence_text(evidence: dict[str, int], t: Translator) -> str:
    """'2 besök, 1 portobservation': each kind of evidence the finding lists, in words."""
    parts = []
    for kind, n in evidence.items():
        key = f"ev_{kind.removesuffix('_ids')}"
        if n:
            parts.append(t(key, n=n) if key in TEXTS.catalogues["sv"] else f"{n} {kind.removesuffix('_ids')}")
    return ", ".join(parts)


def evidence_words(evidence: dict[str, int], language: str) -> str:
    """'2 besök, 1 portobservation', as `monitor explain` words a finding's evidence (the web UI too)."""
    return _evidence_text(evidence, TEXTS.for_language(language))


def _cap_text(raw: float | None, points: float, t: Translator, language: str) -> str:
    """'; 41,9 poäng före taket för statistiska tecken' when the ceiling took points off."""
    return "" if raw is None or abs(raw - points) < 0.05 else t("cap", raw=fixed(raw, 1, language))


def rule_line(rule: Any, result: Explanation, t: Translator, language: str) -> str:
    """One rule's line, the same words in `monitor explain` and on the web UI's supplier page."""
    severity = t(f"sev_{rule.severity}") if f"sev_{rule.severity}" in TEXTS.catalogues["sv"] else rule.severity
    rarity = "" if rule.rarity >= 1 or rule.suppliers is None else t(
        "rarity", weight=fixed(rule.rarity, 2, language), flagged=rule.flagged_suppliers, suppliers=rule.suppliers)
    cap = _cap_text(rule.raw_points, rule.points, t, language)
    if rule.evidence == "direct" and diminishing(rule.strength) > result.direct_max_multiplier:
        cap += t("direct_cap", multiplier=f"{result.direct_max_multiplier:g}")
    return t("rule_line", rule=rule.rule_id, severity=severity, title=rule.title,
             evidence=t(f"evidence_{rule.evidence}"), points=fixed(rule.points, 1, language),
             strength=fixed(rule.strength, 2, language), rarity=rarity, cap=cap)


def peers_line(outlier: dict[str, Any], t: Translator, language: str) -> str:
    """The peer comparison's summary, the same words in `monitor explain` and on the web UI."""
    return t("peers_line", strength=fixed(outlier["strength"], 2, language),
             points=fixed(outlier["points"], 1, language), detail=outlier["detail"],
             cap=_cap_text(outlier.get("raw_points"), outlier["points"], t, language))


def print_explanation(console: Any, result: Explanation, language: str = "sv") -> None:
    """The breakdown as text: formula first, then each source with the numbers behind it."""
    from rich.markup import escape
    from rich.table import Table

    from monitor.ranking.features import FEATURES, format_feature_value

    t = TEXTS.for_language(language)

    def heading(key: str, rest: str = "") -> None:
        console.print(f"\n[bold]{escape(t(key))}[/]{escape(rest)}", highlight=False)

    c = result.components
    as_of = t("as_of", when=local_text(result.as_of)) if result.as_of else ""
    before = "" if result.previous_score is None else t("before", score=round(result.previous_score))
    console.print(f"[bold]{escape(result.name)}[/] ({result.org_number}, {escape(result.contract_area)})")
    console.print(t("risk", score=round(result.score), rank=result.rank, suppliers=result.suppliers,
                    run=str(result.run_id), as_of=as_of, before=before), highlight=False, markup=False)
    if not c or result.as_of is None:
        console.print(t("not_stored"), highlight=False, markup=False)
        return
    total = fixed(result.total_points, 1, language)
    console.print(
        t("points", rules=fixed(c.get("rules", 0), 1, language), peers=fixed(c.get("outlier", 0), 1, language),
          media=fixed(c.get("media", 0), 1, language), total=total, saturation=f"{result.saturation:g}",
          score=fixed(result.score, 1, language)),
        highlight=False, markup=False,
    )
    heading("rules_heading", "" if result.rules else t("rules_none"))
    for rule in result.rules:
        console.print("  " + rule_line(rule, result, t, language), highlight=False, markup=False)
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for key, justify in (("col_period", "left"), ("col_strength", "right"), ("col_recency", "right"),
                             ("col_evidence", "left"), ("col_detail", "left")):
            table.add_column(t(key), justify=justify)  # type: ignore[arg-type]
        for f in rule.findings:
            table.add_row(f.period, fixed(f.strength, 2, language), fixed(f.decay, 2, language),
                          escape(_evidence_text(f.evidence, t)), escape(f.detail))
        print_table(console, table)
    outlier = result.outlier
    if outlier is None:
        heading("peers_heading", t("peers_none"))
    else:
        heading("peers_heading", peers_line(outlier, t, language))
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for key in ("col_feature", "col_supplier", "col_peer_median", "col_z"):
            table.add_column(t(key), justify="left" if key == "col_feature" else "right")
        for e in outlier.get("explanations", []):
            feature = FEATURES.get(e["feature"])
            label = getattr(feature, language, e["feature"]) if feature else e["feature"]
            value, median = ((format_feature_value(e["feature"], e[k], language) for k in ("value", "peer_median"))
                             if feature else (f"{e['value']:.3g}", f"{e['peer_median']:.3g}"))
            table.add_row(escape(label), value, median, fixed(e["z"], 1, language))
        print_table(console, table)
    if result.media:
        heading("media_heading")
        for reason in result.media:
            console.print(f"  {reason['title']}: {reason['detail']}", highlight=False, markup=False)
    else:
        heading("media_heading", t("media_none"))
