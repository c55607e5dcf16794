"""Built-in detectors. Each module defines `Params` (thresholds with defaults) and `detect()`.

A rule in rules/*.yaml picks a detector by its `kind` and tunes its params.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection


@dataclass(frozen=True)
class FindingDraft:
    """What a detector found, before it is stored: one supplier, one period, its evidence."""

    supplier_id: int
    period_start: datetime
    period_end: datetime
    strength: float
    detail: dict[str, Any]  # {"key": message id, "args": {...}}; rendered per language
    evidence: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Detector:
    kind: str
    Params: type[BaseModel]
    detect: Callable[[Connection, Any, list[int] | None], list[FindingDraft]]
    doc: str


def _registry() -> dict[str, Detector]:
    from monitor.findings.detectors import door_observation

    modules = (door_observation,)
    return {
        m.KIND: Detector(kind=m.KIND, Params=m.Params, detect=m.detect, doc=(m.__doc__ or "").strip())
        for m in modules
    }


DETECTORS: dict[str, Detector] = _registry()
