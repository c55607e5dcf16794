"""Supplier risk scores (0-100): rule findings, the outlier score and media signals, with reasons.

Each source gives points; the points add up to T and the score is 100 * (1 - exp(-T / saturation)),
so no supplier passes 100 and each extra point matters less near the top. Every weight is in
rules/scoring.yaml (docs/scoring.md works through an example):

- a rule gives severity_points[severity] * weight * rarity * h(S), where S adds up its findings'
  strengths, each multiplied by its recency decay, and h(S) = S below 1 and 1 + ln(S) above:
  a second finding adds less than the first, so fifty weak hits do not outrank one door
  observation, and an old finding fades; rarity (0..1) is the information the rule's firing
  carries in this run: a rule that flags most suppliers says little about any one of them;
- the outlier score gives outliers.points * strength (0..1, see monitor.ranking.outliers);
- media signals give media.points * their strength (filled in by the media monitoring).

Evidence classes: a rule's points are *direct* (a registered visit shown not to have happened as
registered) or *statistical* (shares, hours, peer comparisons; the outlier score is statistical
too). Direct points count in full; a supplier's statistical points P together count
cap * (1 - exp(-P / cap)) (evidence.statistical_cap), each reason scaled alike, so signs that
point the same way add up to a ceiling and only overwhelming ones reach a direct case.

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
from monitor.recency import decay, finding_age_from
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


class EvidenceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    direct_max_multiplier: float = Field(
        2.0, ge=1,
        description="h(S) of a direct rule stops here (2.0: about three fresh events): a visit shown not to have "
                    "happened as registered is proven by a few; a hundred more make the case bigger, not surer.",
    )
    statistical_cap: float = Field(
        45.0, gt=0,
        description="A supplier's statistical points (statistical rules and the peer comparison) count at most "
                    "this much together: P counts cap * (1 - exp(-P / cap)). Direct evidence counts in full.",
    )


class RarityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Weight each rule by how rarely it fires among the suppliers.")
    full_weight_share: float = Field(
        0.05, gt=0, lt=1,
        description="A rule firing at this share of the suppliers or fewer counts in full; above it, by the "
                    "information its firing carries: log(1/p) / log(1/full_weight_share).",
    )
    prior_suppliers: float = Field(
        20.0, ge=0,
        description="The share p is estimated as (flagged + prior_suppliers * full_weight_share) / (suppliers + "
                    "prior_suppliers): in a small municipality one finding is not yet a common sign.",
    )
    min_weight: float = Field(
        0.1, ge=0, le=1, description="No rule counts less than this, however common: its findings stay in view.",
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
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    rarity: RarityConfig = Field(default_factory=RarityConfig)
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


def rarity_weight(flagged: int, suppliers: int, config: RarityConfig) -> float:
    """How much a rule that flagged `flagged` of `suppliers` suppliers counts (min_weight..1).

    A finding tells the team something in proportion to its surprisal, log(1/p), where p is the
    chance that a supplier shows it. p is estimated with `prior_suppliers` imagined suppliers at
    full_weight_share, so a small population does not make a rule look common. The surprisal is
    measured against that of a rule at full_weight_share, or, in a population too small to show
    so rare a sign, against that of a rule firing at one supplier: one hit always counts in full.
    Capped at 1: rarer still adds nothing, the severity already says what one finding is worth."""
    if not config.enabled or suppliers <= 0 or flagged <= 1:
        return 1.0
    p0, m = config.full_weight_share, config.prior_suppliers

    def share(k: int) -> float:
        return (k + m * p0) / (suppliers + m)

    estimate, reference = share(flagged), max(p0, share(1))
    if estimate >= 1:
        return config.min_weight
    return max(config.min_weight, min(1.0, math.log(estimate) / math.log(reference)))


def capped_statistical(points: float, cap: float) -> float:
    """What a supplier's statistical points count together: near `points` when few, never past `cap`."""
    return cap * (1 - math.exp(-points / cap)) if points > 0 else 0.0


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
    evidence_classes: dict[str, str] | None = None,
) -> list[SupplierRisk]:
    """Every supplier, highest risk first; only findings reproduced by this run count. `titles`
    are the rules' titles by language (rule id -> {"sv": ..., "en": ...}), kept on each reason
    so it can be shown in either language; without them the stored (Swedish) title is used.
    `evidence_classes` maps rule id -> direct | statistical (a rule not in it is statistical)."""
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
    flagged_by_rule: dict[str, int] = defaultdict(int)
    for _, rule_id in by_rule:
        flagged_by_rule[rule_id] += 1
    for (supplier_id, rule_id), findings in by_rule.items():
        first = findings[-1]  # the newest: its title and severity are the rule's as it stands
        strength = sum(max(x.strength, 1.0) * decay(finding_age_from(x.period_end, x.detail, as_of), as_of, half_life)
                       for x in findings)
        rarity = rarity_weight(flagged_by_rule[rule_id], len(risks), config.rarity)
        evidence = (evidence_classes or {}).get(rule_id, "statistical")
        amount = diminishing(strength)
        if evidence == "direct":
            amount = min(amount, config.evidence.direct_max_multiplier)
        points = config.severity_points.get(first.severity, 0) * first.weight * rarity * amount
        risk = risks[supplier_id]
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
                "evidence": evidence,
                "rarity": round(rarity, 3),
                "flagged_suppliers": flagged_by_rule[rule_id],
                "suppliers": len(risks),
                "points": points,  # before the statistical cap; rounded below
            }
        )
    signal_sources = (("outlier", outliers or {}, config.outliers.points, outlier_reason),
                      ("media", media or {}, config.media.points, media_reason))
    for source, signals, full_points, make_reason in signal_sources:
        for supplier_id, signal in signals.items():
            if supplier_id not in risks:
                continue
            points = full_points * signal.strength
            if points >= 0.05:
                reason = make_reason(signal, points, language)
                reason["points"] = points  # rounded once the cap is applied
                if source == "outlier":
                    reason["evidence"] = "statistical"
                risks[supplier_id].reasons.append(reason)
            else:
                risks[supplier_id].components[source] = points
    for risk in risks.values():
        _apply_evidence_classes(risk, config.evidence.statistical_cap)
        total = sum(risk.components.values())
        risk.score = score_from_points(total, config.saturation)
        risk.components = {k: round(v, 2) for k, v in risk.components.items()}
        risk.reasons.sort(key=lambda r: (-r["points"], r["id"]))
    return sorted(risks.values(), key=lambda r: (-r.score, -sum(r.components.values()), r.org_number))


def _apply_evidence_classes(risk: SupplierRisk, cap: float) -> None:
    """Fill the components from the reasons: direct points in full, statistical ones (statistical
    rules and the peer comparison) scaled together under the cap. Each reason keeps what it gave
    before the cap as `raw_points`, so `monitor explain` can show both."""
    statistical = [r.get("evidence") == "statistical" for r in risk.reasons]
    raw = sum(r["points"] for r, is_statistical in zip(risk.reasons, statistical, strict=True) if is_statistical)
    scale = capped_statistical(raw, cap) / raw if raw > 0 else 1.0
    for reason, is_statistical in zip(risk.reasons, statistical, strict=True):
        reason["raw_points"] = round(reason["points"], 1)
        if is_statistical:
            reason["points"] *= scale
        key = "rules" if reason["source"] == "rule" else reason["source"]
        risk.components[key] = risk.components.get(key, 0.0) + reason["points"]
        reason["points"] = round(reason["points"], 1)


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
