"""Outlier scoring: suppliers that behave unlike their peers in ways no rule was written for.

CONTRACT (the lead's integration depends on it; the body is filled in by the outlier work):

- `OutlierConfig` is the `outliers:` section of rules/scoring.yaml (validated, extra=forbid).
- `score_outliers(evidence, config, as_of)` returns one `SupplierOutlier` per supplier that has
  visits, keyed by supplier id. `strength` is 0..1 (0: like its peers; 1: as unlike them as
  the config's scale allows) and already combines the supplier's periods with recency decay
  (`as_of` is epoch seconds; periods ending long before it count less). `explanations` are
  the features that drive the score, most important first, each with the supplier's value
  and the peer median, in the risky direction only.
- Deterministic: the same evidence and config give the same result (fixed random_state).

A supplier whose periods all have fewer than `min_visits` visits has no usable period and
is left out (it has nothing to compare); one that cannot be compared because its peer group
is too small and `fallback` is "none" is returned with strength 0 and the reason in `fallback`.

Method, per peer group (suppliers with the same `peer_group` columns, contract area by
default), over its supplier-periods (weeks):

1. Robust z-scores: (value - group median) / spread, the spread being the MAD * 1.4826 (a
   normal SD), else (MAD 0) the IQR / 1.349, never below the feature's `min_spread`: a share
   where nearly every peer has 0 % has no spread, and one visit must not be infinitely
   unusual. A missing value counts as the group median (z = 0).
2. One-sided in the risky direction: max(z, 0) for "higher", max(-z, 0) for "lower", |z| for
   "both"; "context" features are left out. A supplier unusually careful (no manual
   registrations at all, never a late one) is not a risk, and without this it would be
   scored as one: two-sided, the model cannot tell 0 % manual from 40 %.
3. IsolationForest over those columns (random_state fixed, so runs repeat); the anomaly of a
   supplier-period is -score_samples (higher: fewer random cuts isolate it).
4. Strength 0..1: the anomaly's robust z within the group, mapped linearly from `z_low` (0)
   to `z_high` (1). Relative to the group, because the raw IsolationForest score depends on
   the group's size and how alike its members are.
5. Per supplier, a recency-weighted mean over its periods (weight 0.5 ** (age / half_life),
   age from the period's end to `as_of`): a mean, so one odd week (a lock outage that
   forced manual registrations) counts as one week of several, not as the supplier.
6. If no feature of the supplier reaches `min_explanation_z`, the strength is multiplied by
   (largest feature z / min_explanation_z) ** 2: a score the team cannot be shown a reason
   for counts less.

Explanations: the supplier's recency-weighted value of each scored feature, its one-sided z
against the group's median and spread, and the top `top_explanations` with z at least
`min_explanation_z` (if none reaches it, the nearest one). They describe the supplier, not the
model's internals: 'manuella registreringar 41 % mot 3 % hos jämförbara leverantörer' is what
the team can check.

Why IsolationForest rather than summed z-scores or LOF: it is multivariate (an odd
combination of ordinary values still isolates quickly) where a sum of z-scores lets forty
small deviations outweigh one large one; it assumes no distribution, and the features are
shares piled at 0 and ratios with long tails; unlike LOF it needs no distance scale or
neighbour count tuned to the group's density, which with ~40 suppliers x a few weeks is
unstable; and with a fixed random_state it is deterministic and fast (a few hundred rows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.findings import periods
from monitor.findings.evidence import Evidence
from monitor.findings.periods import Period, period_bounds
from monitor.ranking.features import FEATURES, VISITS, Direction, supplier_period_features

logger = logging.getLogger(__name__)

PeerColumn = Literal["contract_area", "subcategory"]
ALL_PEERS = "alla"
_DAY = 86_400.0
# IQR / 1.349 and MAD * 1.4826 estimate a normal distribution's standard deviation.
_IQR_TO_SD, _MAD_TO_SD = 1.349, 1.4826


class OutlierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Score suppliers against their peers.")
    points: float = Field(40.0, ge=0, description="Risk points of a supplier at full outlier strength.")
    method: Literal["isolation_forest"] = Field(
        "isolation_forest", description="The outlier detector (see docs/scoring.md for why this one).")
    period: Period = Field("week", description="Features are computed per supplier and this period.")
    peer_group: list[PeerColumn] = Field(
        default_factory=lambda: ["contract_area"],
        description="Supplier columns whose values make a peer group (contract_area, subcategory); "
                    "suppliers are compared only within their group.")
    min_group_size: int = Field(
        8, ge=2, description="Fewest suppliers (with a usable period) a peer group needs to be compared within.")
    fallback: Literal["all", "none"] = Field(
        "all", description="For a group too small: 'all' compares its suppliers with every supplier (and says "
                           "so), 'none' leaves them unscored.")
    random_state: int = Field(42, description="Seed of the detector, so the same evidence gives the same scores.")
    n_estimators: int = Field(200, ge=10, description="Trees in the isolation forest.")
    min_visits: int = Field(
        30, ge=1, description="Supplier-periods with fewer visits are left out: their shares are too noisy.")
    features: dict[str, Direction] = Field(
        default_factory=dict,
        description="Per feature, a direction overriding its default: higher, lower, both, or context "
                    "(not scored).")
    z_low: float = Field(
        2.0, description="A supplier-period's anomaly at this robust z within its group gets strength 0.")
    z_high: float = Field(
        5.0, description="... at this robust z or above, strength 1 (linear from z_low).")
    half_life_days: float = Field(
        28.0, gt=0, description="A period ending this many days before the scoring date weighs half as much.")
    top_explanations: int = Field(3, ge=0, description="At most this many features explain a supplier's score.")
    min_explanation_z: float = Field(
        2.0, ge=0, description="A feature explains a score only if the supplier's robust z is at least this.")

    @field_validator("features")
    @classmethod
    def _known_features(cls, value: dict[str, Direction]) -> dict[str, Direction]:
        unknown = sorted(set(value) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature {unknown[0]!r}; valid features: {', '.join(FEATURES)}")
        return value

    @model_validator(mode="after")
    def _scale_rises(self) -> OutlierConfig:
        if self.z_high <= self.z_low:
            raise ValueError("z_high must be above z_low")
        return self

    def direction(self, feature: str) -> Direction:
        return self.features.get(feature, FEATURES[feature].direction)

    @property
    def scored_features(self) -> list[str]:
        return [name for name in FEATURES if self.direction(name) != "context"]


@dataclass(frozen=True)
class FeatureExplanation:
    feature: str  # a key of monitor.ranking.features.FEATURES
    value: float  # the supplier's value (recency-weighted over its periods)
    peer_median: float
    z: float  # robust z-score against the peers, in the risky direction (> 0)

    def as_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "peer_median": self.peer_median, "z": self.z}


@dataclass(frozen=True)
class SupplierOutlier:
    supplier_id: int
    strength: float  # 0..1
    anomaly: float  # the detector's raw score, recency-weighted (higher: more unusual)
    peer_group: str  # e.g. "Hemtjänst", or "alla" after a fallback
    peers: int  # suppliers in the group it was compared with
    periods: int  # supplier-periods that went into it
    fallback: str | None = None  # why the natural peer group was not used, if it was not
    explanations: list[FeatureExplanation] = field(default_factory=list)


@dataclass(frozen=True)
class _Comparison:
    """One fitted peer comparison: who was compared and the robust centre/spread per feature."""

    label: str
    suppliers: int
    median: pd.Series
    spread: pd.Series
    anomaly: pd.Series  # per supplier-period of the group
    strength: pd.Series


def robust_spread(frame: pd.DataFrame, floors: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(median, spread) per column, NaNs ignored: the spread is MAD * 1.4826, else IQR / 1.349,
    never below the column's floor. The MAD first: it stands up to half the rows being odd,
    the IQR only to a quarter."""
    median = frame.median()
    iqr = (frame.quantile(0.75) - frame.quantile(0.25)) / _IQR_TO_SD
    mad = (frame - median).abs().median() * _MAD_TO_SD
    spread = mad.where(mad > 0, iqr).fillna(0.0)
    return median, np.maximum(spread, floors.reindex(frame.columns).fillna(0.0))


def one_sided(z: pd.DataFrame, directions: dict[str, Direction]) -> pd.DataFrame:
    """z in each column's risky direction, 0 where the value lies on the safe side."""
    out = z.copy()
    for column in z.columns:
        direction = directions[column]
        if direction == "higher":
            out[column] = z[column].clip(lower=0.0)
        elif direction == "lower":
            out[column] = (-z[column]).clip(lower=0.0)
        else:
            out[column] = z[column].abs()
    return out


def _compare(rows: pd.DataFrame, label: str, config: OutlierConfig) -> _Comparison:
    from sklearn.ensemble import IsolationForest  # imported here: sklearn takes a second to load

    features = config.scored_features
    values = rows[features]
    floors = pd.Series({name: FEATURES[name].min_spread for name in features})
    median, spread = robust_spread(values, floors)
    # A missing value is imputed with the group median: z = 0, as ordinary as can be.
    z = ((values - median) / spread).fillna(0.0)
    risky = one_sided(z, {name: config.direction(name) for name in features})
    if len(risky) > 1 and risky.to_numpy().any():
        forest = IsolationForest(n_estimators=config.n_estimators, random_state=config.random_state)
        forest.fit(risky.to_numpy())
        anomaly = pd.Series(-forest.score_samples(risky.to_numpy()), index=rows.index)
    else:
        # Nobody deviates in a risky direction (or one row): nothing to isolate.
        anomaly = pd.Series(0.0, index=rows.index)
    centre, scale = robust_spread(anomaly.to_frame("anomaly"), pd.Series({"anomaly": 0.0}))
    anomaly_z = (anomaly - centre.iloc[0]) / scale.iloc[0] if scale.iloc[0] > 0 else anomaly * 0.0
    strength = ((anomaly_z - config.z_low) / (config.z_high - config.z_low)).clip(0.0, 1.0)
    return _Comparison(label, int(rows.index.get_level_values("supplier_id").nunique()), median, spread,
                       anomaly, strength)


def _group_labels(suppliers: pd.DataFrame, columns: list[PeerColumn]) -> pd.Series:
    """Each supplier's peer group as the team names it: 'Hemtjänst', 'LSS / Funktionshinderomsorg'."""
    parts = suppliers[list(columns)].astype("string").fillna("okänd")
    return parts.agg(" / ".join, axis=1) if columns else pd.Series(ALL_PEERS, index=suppliers.index)


def recency_weights(period_keys: np.ndarray, period: Period, as_of: float, half_life_days: float) -> np.ndarray:
    """0.5 ** (age / half_life) per period, age in days from the period's end to `as_of` (at least 0)."""
    ends = np.array([period_bounds(key, period)[1].timestamp() for key in period_keys], dtype="float64")
    age_days = np.maximum(as_of - ends, 0.0) / _DAY
    return np.power(0.5, age_days / half_life_days)


def _weighted(frame: pd.DataFrame, weights: np.ndarray) -> pd.Series:
    """Per column, the weighted mean over rows that have a value."""
    values = frame.to_numpy(dtype="float64")
    known = np.isfinite(values)
    w = weights[:, None] * known
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(known, values, 0.0) * w).sum(0) / w.sum(0)
    return pd.Series(mean, index=frame.columns)


def _largest_risky_z(value: pd.Series, comparison: _Comparison, config: OutlierConfig) -> float:
    z = (value - comparison.median) / comparison.spread
    risky = one_sided(z.to_frame().T, {name: config.direction(name) for name in z.index}).iloc[0]
    risky = risky[np.isfinite(risky)]
    return float(risky.max()) if len(risky) else 0.0


def _explain(value: pd.Series, comparison: _Comparison, config: OutlierConfig) -> list[FeatureExplanation]:
    z = (value - comparison.median) / comparison.spread
    risky = one_sided(z.to_frame().T, {name: config.direction(name) for name in z.index}).iloc[0]
    risky = risky[np.isfinite(risky) & (risky > 0)]
    # Ties (equal z) keep FEATURES order, so the text does not flicker between runs.
    ordered = risky.sort_values(ascending=False, kind="stable")
    top = ordered[ordered >= config.min_explanation_z].head(config.top_explanations)
    if top.empty:
        # Nothing stands out alone: name the nearest, so the reader still sees where to look.
        top = ordered.head(1)
    return [
        FeatureExplanation(name, float(value[name]), float(comparison.median[name]), float(z_value))
        for name, z_value in top.items()
    ]


def _supplier_outlier(
    supplier_id: int, comparison: _Comparison, rows: pd.DataFrame, config: OutlierConfig, as_of: float,
    fallback: str | None,
) -> SupplierOutlier:
    keys = rows.index.get_level_values("period_key").to_numpy()
    weights = recency_weights(keys, config.period, as_of, config.half_life_days)
    share = weights / weights.sum()
    strength = float(np.dot(share, comparison.strength.loc[rows.index].to_numpy()))
    anomaly = float(np.dot(share, comparison.anomaly.loc[rows.index].to_numpy()))
    value = _weighted(rows[config.scored_features], weights)
    if strength > 0 and config.min_explanation_z > 0:
        # The team must see why before they act: a score that no single feature explains (many
        # small deviations, typical of a small supplier's noisy weeks) counts by the square of
        # how near its largest deviation comes to an explanation (z 1.4 of 2: half).
        strength *= min(1.0, _largest_risky_z(value, comparison, config) / config.min_explanation_z) ** 2
    return SupplierOutlier(
        supplier_id=supplier_id,
        strength=min(1.0, max(0.0, strength)),
        anomaly=anomaly,
        peer_group=comparison.label,
        peers=comparison.suppliers,
        periods=len(rows),
        fallback=fallback,
        explanations=_explain(value, comparison, config) if strength > 0 else [],
    )


def score_outliers(
    evidence: Evidence, config: OutlierConfig, as_of: float, judged_from: datetime | None = None
) -> dict[int, SupplierOutlier]:
    """Each supplier against its peers over the periods from `judged_from` on (earlier periods
    in the evidence are only read, for features that look back, such as staff turnover)."""
    return score_feature_table(supplier_period_features(evidence, config.period), evidence.suppliers, config,
                               as_of, judged_from)


def score_feature_table(
    table: pd.DataFrame, suppliers: pd.DataFrame, config: OutlierConfig, as_of: float,
    judged_from: datetime | None = None,
) -> dict[int, SupplierOutlier]:
    """score_outliers over a features table already made (supplier_period_features), such as
    the tables of several groups of suppliers put together."""
    if judged_from is not None:
        first = periods.period_keys(np.array([judged_from.timestamp()]), config.period)[0]
        table = table[table.index.get_level_values("period_key") >= first]
    usable = table[table[VISITS] >= config.min_visits]
    if usable.empty or not config.scored_features:
        return {}
    suppliers = suppliers.set_index("id")
    labels = _group_labels(suppliers, config.peer_group)
    row_labels = labels.reindex(usable.index.get_level_values("supplier_id")).fillna("okänd").to_numpy()
    out: dict[int, SupplierOutlier] = {}
    everyone: _Comparison | None = None
    for label in sorted(set(row_labels)):
        rows = usable[row_labels == label]
        members = rows.index.get_level_values("supplier_id").nunique()
        fallback = None
        if members >= config.min_group_size:
            comparison = _compare(rows, label, config)
        else:
            total = usable.index.get_level_values("supplier_id").nunique()
            if config.fallback == "all" and total >= config.min_group_size:
                everyone = everyone or _compare(usable, ALL_PEERS, config)
                comparison = everyone
                fallback = f"för få jämförbara leverantörer i {label} ({members} < {config.min_group_size}); " \
                           "jämförd med alla"
            else:
                reason = (f"för få jämförbara leverantörer i {label} ({members} < {config.min_group_size}); "
                          "inte jämförd")
                for supplier_id, supplier_rows in rows.groupby(level="supplier_id"):
                    out[int(supplier_id)] = SupplierOutlier(int(supplier_id), 0.0, 0.0, label, members,
                                                            len(supplier_rows), reason)
                continue
        for supplier_id, supplier_rows in rows.groupby(level="supplier_id"):
            out[int(supplier_id)] = _supplier_outlier(int(supplier_id), comparison, supplier_rows, config, as_of,
                                                      fallback)
    logger.info("Scored outliers suppliers=%d groups=%d flagged=%d", len(out), len(set(row_labels)),
                sum(1 for o in out.values() if o.strength > 0))
    return dict(sorted(out.items()))


def config_markdown() -> str:
    """The `outliers:` key table of docs/scoring.md (a test checks the file holds exactly this)."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for name, info in OutlierConfig.model_fields.items():
        default = info.get_default(call_default_factory=True)
        shown = "[" + ", ".join(map(str, default)) + "]" if isinstance(default, list) else (
            "{}" if isinstance(default, dict) else f"{default}")
        lines.append(f"| `{name}` | {shown} | {(info.description or '').replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"

