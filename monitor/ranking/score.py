"""Supplier risk scores (0-100): rule findings, the outlier score and media signals, with reasons.

Each source gives points; the points add up to T and the score is 100 * (1 - exp(-T / saturation)),
so no supplier passes 100 and each extra point matters less near the top. Every weight is in
rules/scoring.yaml:

- a rule gives severity_points[severity] * weight * h(S), where S adds up its findings'
  strengths, each multiplied by its recency decay, and h(S) = S below 1 and 1 + ln(S) above:
  a second finding adds less than the first, so fifty weak hits do not outrank one door
  observation, and an old finding fades;
- the outlier score gives outliers.points * strength (0..1, see monitor.ranking.outliers);
- media signals give media.points * their strength (filled in by the media monitoring).

Recency: a finding whose period ended d days before the run's as-of instant (the end of the
latest visit, so scoring unchanged evidence again gives the same scores) counts
0.5 ** (d / recency.half_life_days).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, select

from monitor.media.signals import SHOWN_ARTICLES, SupplierMedia
from monitor.messages import render_summary
from monitor.models import Finding, Supplier
from monitor.ranking.outliers import OutlierConfig, SupplierOutlier
from monitor.recency import decay
from monitor.runs import findings_of_run
from monitor.yamlfile import ConfigFileError, first_error, load_yaml, node_line


class RecencyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    half_life_days: float = Field(
        28.0, gt=0, description="A finding this many days older than the latest evidence counts half."
    )


class MediaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: float = Field(30.0, ge=0, description="Risk points of a supplier at full media strength.")


class WindowConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weeks: int = Field(
        13, ge=1, le=520,
        description="Calendar weeks a scoring run judges, up to the latest visit; older evidence is not read "
                    "(beyond what each rule looks back).",
    )


DEFAULT_DISMISS_REASONS = {
    "ingen_avvikelse": "Granskat: inget fel i verksamheten",
    "forklarad": "Avvikelsen har en känd förklaring (t.ex. ändrat låssystem, delad personal)",
    "datafel": "Fel eller luckor i underlaget",
    "dubblett": "Samma sak hanteras i ett annat ärende",
    "annan_myndighet": "Hanteras av annan myndighet",
}


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        50.0, ge=0, le=100,
        description="A supplier whose score reaches this gets an alert; below it is the watch list.",
    )
    wake_score_rise: float = Field(
        10.0, gt=0, le=100, description="A snoozed alert wakes early when the score rose this much since the snooze.",
    )
    reopen_score_rise: float = Field(
        20.0, gt=0, le=100,
        description="A dismissed alert re-opens when the score is this much above its score when dismissed.",
    )
    dismiss_reasons: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DISMISS_REASONS), min_length=1,
        description="Why an alert may be dismissed: id -> what it means (the id is stored).",
    )


class ScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity_points: dict[str, float] = Field(
        default_factory=lambda: {"low": 5, "medium": 15, "high": 35, "critical": 60}
    )
    saturation: float = Field(50.0, gt=0)
    recency: RecencyConfig = Field(default_factory=RecencyConfig)
    outliers: OutlierConfig = Field(default_factory=OutlierConfig)
    media: MediaConfig = Field(default_factory=MediaConfig)
    window: WindowConfig = Field(default_factory=WindowConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    digest_min_score: float = Field(10.0, ge=0, le=100)
    digest_top: int = Field(15, ge=1)
    common_rule_share: float = Field(
        0.25, gt=0, le=1,
        description="`rules list` warns about a rule that flagged more than this share of the suppliers in the "
                    "latest run: a sign most suppliers show tells little about any one of them.",
    )


def load_scoring_config(rules_dir: Path) -> ScoringConfig:
    path = rules_dir / "scoring.yaml"
    if not path.exists():
        return ScoringConfig()
    data, tree = load_yaml(path)
    try:
        return ScoringConfig.model_validate(data or {})
    except ValidationError as exc:
        loc, problem = first_error(exc, terse=True)
        raise ConfigFileError(f"{path}:{node_line(tree, *loc)}: {problem}") from exc


@dataclass
class SupplierRisk:
    supplier_id: int
    org_number: str
    name: str
    contract_area: str
    score: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    components: dict[str, float] = field(default_factory=lambda: {"rules": 0.0, "outlier": 0.0, "media": 0.0})


def diminishing(strength: float) -> float:
    """h(S): linear up to 1, logarithmic beyond, so many weak hits add up slowly."""
    return strength if strength < 1 else 1 + math.log(strength)


def score_from_points(points: float, saturation: float) -> float:
    return round(100 * (1 - math.exp(-points / saturation)), 1)


def score_suppliers(
    conn: Connection,
    run_id: int,
    config: ScoringConfig,
    as_of: datetime,
    outliers: dict[int, SupplierOutlier] | None = None,
    language: str = "sv",
    media: dict[int, SupplierMedia] | None = None,
    titles: dict[str, dict[str, str]] | None = None,
) -> list[SupplierRisk]:
    """Every supplier, highest risk first; only findings reproduced by this run count. `titles`
    are the rules' titles by language (rule id -> {"sv": ..., "en": ...}), kept on each reason
    so it can be shown in either language; without them the stored (Swedish) title is used."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    f = Finding.__table__.c  # type: ignore[attr-defined]
    risks = {
        row.id: SupplierRisk(row.id, row.org_number, row.name, row.contract_area)
        for row in conn.execute(select(s.id, s.org_number, s.name, s.contract_area))
    }
    by_rule: dict[tuple[int, str], list[Any]] = defaultdict(list)
    query = findings_of_run(run_id).order_by(f.period_start, f.id)
    for row in conn.execute(query):
        by_rule[(row.supplier_id, row.rule_id)].append(row)
    half_life = config.recency.half_life_days
    for (supplier_id, rule_id), findings in by_rule.items():
        first = findings[-1]  # the newest: its title and severity are the rule's as it stands
        strength = sum(max(x.strength, 1.0) * decay(x.period_end, as_of, half_life) for x in findings)
        points = config.severity_points.get(first.severity, 0) * first.weight * diminishing(strength)
        risk = risks[supplier_id]
        risk.components["rules"] += points
        rule_titles = (titles or {}).get(rule_id) or {"sv": first.title}
        risk.reasons.append(
            {
                "source": "rule",
                "id": rule_id,
                "title": rule_titles.get(language) or first.title,
                "titles": rule_titles,
                "severity": first.severity,
                "detail": render_summary([x.detail for x in findings], language),
                # Kept so the reason can be worded again in another language when shown.
                "details": [x.detail for x in findings],
                "findings": len(findings),
                "strength": round(strength, 3),
                "points": round(points, 1),
            }
        )
    signal_sources = (("outlier", outliers or {}, config.outliers.points, outlier_reason),
                      ("media", media or {}, config.media.points, media_reason))
    for source, signals, full_points, make_reason in signal_sources:
        for supplier_id, signal in signals.items():
            if supplier_id not in risks:
                continue
            points = full_points * signal.strength
            risks[supplier_id].components[source] = points
            if points >= 0.05:
                risks[supplier_id].reasons.append(make_reason(signal, points, language))
    for risk in risks.values():
        total = sum(risk.components.values())
        risk.score = score_from_points(total, config.saturation)
        risk.components = {k: round(v, 2) for k, v in risk.components.items()}
        risk.reasons.sort(key=lambda r: (-r["points"], r["id"]))
    return sorted(risks.values(), key=lambda r: (-r.score, -sum(r.components.values()), r.org_number))


def _signal_reason(source: str, strength: float, points: float, facts: dict[str, Any], language: str) -> dict[str, Any]:
    """A reason that is not a rule finding: its numbers, then its words in the reader's language."""
    from monitor.ranking.wording import reworded

    reason = {"source": source, "id": source, "strength": round(strength, 3), "points": round(points, 1), **facts}
    return reworded(reason, language)


def outlier_reason(outlier: SupplierOutlier, points: float, language: str = "sv") -> dict[str, Any]:
    return _signal_reason("outlier", outlier.strength, points, {
        "peer_group": outlier.peer_group,
        "peers": outlier.peers,
        "periods": outlier.periods,
        "fallback": outlier.fallback,
        "explanations": [e.as_json() for e in outlier.explanations],
    }, language)


def media_reason(signal: SupplierMedia, points: float, language: str = "sv") -> dict[str, Any]:
    return _signal_reason("media", signal.strength, points, {
        "article_count": len(signal.articles),
        "articles": signal.articles[:SHOWN_ARTICLES],
    }, language)
