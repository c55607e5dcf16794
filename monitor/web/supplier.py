"""One supplier as the Leverantör page and GET /api/suppliers/{org_number} show it: the score
taken apart as `monitor explain` words it, its history, the alert with its history and notes,
the evidence (only for those allowed, and audit-logged by monitor.alerts.evidence), and the
media stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.alerts.evidence import SupplierEvidence, supplier_evidence
from monitor.alerts.listing import AlertDetail, show_alert
from monitor.alerts.states import AlertError
from monitor.imports.fields import org_number_as_stored
from monitor.media.listing import list_articles
from monitor.models import ScoringRun, Supplier, SupplierScore
from monitor.phrasing import fixed
from monitor.ranking.explain import TEXTS as EXPLAIN_TEXTS
from monitor.ranking.explain import Explanation, evidence_words, explain_supplier, peers_line, rule_line
from monitor.ranking.features import FEATURES, format_feature_value
from monitor.ranking.score import ScoringConfig
from monitor.timestamps import local_iso

# Enough runs to see a course on one screen.
HISTORY_RUNS = 26


class SupplierNotFound(LookupError):
    pass


@dataclass
class SupplierView:
    org_number: str
    name: str
    contract_area: str
    explanation: Explanation | None
    history: list[tuple[datetime, float]]
    alert: AlertDetail | None
    evidence: SupplierEvidence | None
    articles: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "org_number": self.org_number, "name": self.name, "contract_area": self.contract_area,
            "explanation": self.explanation.as_json() if self.explanation else None,
            "history": [{"at": local_iso(at), "score": score} for at, score in self.history],
            "alert": self.alert.as_json() if self.alert else None,
            "media": self.articles,
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence.as_json()
        return out


def supplier_view(conn: Connection, org_number: str, config: ScoringConfig, language: str,
                  evidence_for: str | None) -> SupplierView:
    """The supplier with this org number; its evidence only when `evidence_for` names who sees it
    (that look is an audit row)."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    try:
        stored = org_number_as_stored(org_number)
    except ValueError as exc:
        raise SupplierNotFound(org_number) from exc
    supplier = conn.execute(select(s.id, s.org_number, s.name, s.contract_area).where(s.org_number == stored)).first()
    if supplier is None:
        raise SupplierNotFound(org_number)
    try:
        explanation: Explanation | None = explain_supplier(conn, supplier.org_number, config, language)
    except LookupError:
        explanation = None
    try:
        alert: AlertDetail | None = show_alert(conn, supplier.org_number, language)
    except AlertError:
        alert = None
    evidence = None
    if evidence_for is not None:
        try:
            evidence = supplier_evidence(conn, supplier.org_number, evidence_for)
        except AlertError:
            evidence = None
    return SupplierView(supplier.org_number, supplier.name, supplier.contract_area, explanation,
                        score_history(conn, supplier.id), alert, evidence,
                        list_articles(conn, supplier.org_number))


def score_history(conn: Connection, supplier_id: int) -> list[tuple[datetime, float]]:
    """The supplier's score in the latest regular runs, oldest first, at the instant each judged."""
    runs, ss = ScoringRun.__table__.c, SupplierScore.__table__.c  # type: ignore[attr-defined]
    rows = conn.execute(
        select(runs.finished_at, runs.as_of, ss.score).join(ScoringRun.__table__, runs.id == ss.run_id)  # type: ignore[attr-defined]
        .where(ss.supplier_id == supplier_id, runs.finished_at.is_not(None), runs.backfill.is_(False))
        .order_by(runs.id.desc()).limit(HISTORY_RUNS)).all()
    return [(row.as_of or row.finished_at, row.score) for row in reversed(rows)]


def explain_lines(result: Explanation, language: str) -> dict[str, Any]:
    """`monitor explain`'s sentences and table cells for this supplier, in the same words."""
    t = EXPLAIN_TEXTS.for_language(language)
    c = result.components

    before = "" if result.previous_score is None else t("before", score=round(result.previous_score))
    lines: dict[str, Any] = {
        "risk": t("risk", score=round(result.score), rank=result.rank, suppliers=result.suppliers,
                  run=str(result.run_id), as_of="", before=before),
        "points": t("points", rules=fixed(c.get("rules", 0), 1, language),
                    peers=fixed(c.get("outlier", 0), 1, language), media=fixed(c.get("media", 0), 1, language),
                    total=fixed(result.total_points, 1, language),
                    saturation=f"{result.saturation:g}", score=fixed(result.score, 1, language)) if c else None,
        "rules_heading": t("rules_heading"), "rules_none": t("rules_none") if not result.rules else "",
        "columns": [t(k) for k in ("col_period", "col_strength", "col_recency", "col_evidence", "col_detail")],
        "rules": [],
        "peers_heading": t("peers_heading"), "peers_line": t("peers_none"), "peer_columns": [], "peers": [],
        "media_heading": t("media_heading"),
        "media": [f"{r['title']}: {r['detail']}" for r in result.media], "media_none": t("media_none"),
    }
    for rule in result.rules:
        lines["rules"].append({
            "line": rule_line(rule, result, t, language),
            "findings": [[f.period, fixed(f.strength, 2, language), fixed(f.decay, 2, language),
                          evidence_words(f.evidence, language), f.detail] for f in rule.findings],
        })
    outlier = result.outlier
    if outlier is not None:
        lines["peers_line"] = peers_line(outlier, t, language)
        lines["peer_columns"] = [t(k) for k in ("col_feature", "col_supplier", "col_peer_median", "col_z")]
        for e in outlier.get("explanations", []):
            feature = FEATURES.get(e["feature"])
            if feature:
                label = getattr(feature, language, e["feature"])
                value, median = (format_feature_value(e["feature"], e[k], language) for k in ("value", "peer_median"))
            else:
                label, value, median = e["feature"], f"{e['value']:.3g}", f"{e['peer_median']:.3g}"
            lines["peers"].append([label, value, median, fixed(e["z"], 1, language)])
    return lines
