"""How much old evidence counts: one half-life decay shared by rule findings and media articles."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def decay(period_end: datetime, as_of: datetime, half_life_days: float) -> float:
    """1 for evidence that ended at as_of (or later), half after a half-life, a quarter after two."""
    age_days = max(0.0, (as_of - period_end).total_seconds() / 86_400)
    return 0.5 ** (age_days / half_life_days)


def finding_age_from(period_end: datetime, detail: dict[str, Any] | None, as_of: datetime) -> datetime:
    """When a finding's evidence ended, for its decay: as_of for a state the latest register
    snapshot still shows (FindingDraft.ongoing), else the end of its period."""
    return as_of if (detail or {}).get("ongoing") else period_end
