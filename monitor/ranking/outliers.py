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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.evidence import Evidence


class OutlierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Score suppliers against their peers.")
    points: float = Field(40.0, ge=0, description="Risk points of a supplier at full outlier strength.")


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


def score_outliers(evidence: Evidence, config: OutlierConfig, as_of: float) -> dict[int, SupplierOutlier]:
    return {}
