"""Built-in detectors. A rule in rules/*.yaml picks one by its `kind` and tunes its params.

Each detector is a module that defines:

- `KIND`: the name rules use;
- `Params`: a pydantic model of its thresholds, each with a default and a description;
- `PERIOD`: the default period it aggregates over ("day", "week", "month"), or None if it
  reports single events (a rule may then not set `period`);
- `MESSAGES`: {language: {message key: template}}; a key `KIND:many` words several findings
  at once (see monitor.messages);
- `EVIDENCE_CLASS` (optional): "direct" when a finding shows that a registered visit did not
  happen as registered (a door observation, a visit while the client was in hospital, one id at
  two clients at once, a lapsed registration, hours billed and never registered),
  "statistical" (the default) when it is a sign in shares, hours or comparisons;
  a rule may override it with `evidence:` (see docs/scoring.md, "Evidence classes");
- `detect(ctx: RuleContext, params) -> list[FindingDraft]`, which reads and never writes;
- optionally `VISIT_COLUMNS`: the visits frame's columns it reads besides visit_id, supplier_id,
  staff_id and the registered start and end, so a run of such rules loads only those
  (monitor.findings.evidence); without it a run loads every column.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel

EvidenceClass = Literal["direct", "statistical"]
EVIDENCE_CLASSES: tuple[str, ...] = get_args(EvidenceClass)
DEFAULT_EVIDENCE_CLASS: EvidenceClass = "statistical"

# In the order `monitor rules list` and the docs show them.
MODULES = (
    "door_observation",
    "staff_overlap",
    "impossible_travel",
    "visit_during_absence",
    "exact_planned_times",
    "manual_registration",
    "duration_inflation",
    "excessive_staff_hours",
    "relative_caregiver",
    "short_visits",
    "late_registration",
    "shared_device",
    "single_client_concentration",
    "insufficient_rest",
    "registration_lapsed",
    "company_status",
    "permit_missing",
    "billed_without_visits",
    "billed_vs_registered",
    "payment_remarks",
    "rating_drop",
    "board_churn",
    "ivo_criticism",
    "price_above_contract",
    "purchases_outside_contract",
    "threshold",
)

# The kinds that read register snapshots and invoices rather than visits (module name = kind).
REGISTER_KINDS = frozenset({
    "registration_lapsed", "company_status", "permit_missing", "billed_without_visits", "billed_vs_registered",
    "payment_remarks", "rating_drop", "board_churn", "ivo_criticism", "price_above_contract",
    "purchases_outside_contract",
})
assert set(MODULES) >= REGISTER_KINDS


@dataclass(frozen=True)
class FindingDraft:
    """What a detector found, before it is stored: one supplier, one period, its evidence."""

    supplier_id: int
    period_start: datetime
    period_end: datetime
    strength: float
    detail: dict[str, Any]  # {"key": message id, "args": {...}}; rendered per language
    evidence: dict[str, list[str]] = field(default_factory=dict)
    # A state the latest register snapshot still shows (an F-tax lapse, a bankruptcy, no valid
    # permit): it holds until a newer snapshot says otherwise, so every window from its start
    # judges it and it counts as current, however long ago the snapshot was taken.
    ongoing: bool = False


@dataclass(frozen=True)
class Detector:
    kind: str
    Params: type[BaseModel]
    detect: Callable[[Any, Any], list[FindingDraft]]
    period: str | None
    messages: dict[str, dict[str, str]]
    doc: str
    evidence_class: EvidenceClass = DEFAULT_EVIDENCE_CLASS
    visit_columns: frozenset[str] | None = None  # None: it may read any


def _registry() -> dict[str, Detector]:
    detectors = {}
    for name in MODULES:
        module = importlib.import_module(f"monitor.findings.detectors.{name}")
        evidence_class = getattr(module, "EVIDENCE_CLASS", DEFAULT_EVIDENCE_CLASS)
        if evidence_class not in EVIDENCE_CLASSES:
            raise ValueError(f"{module.__name__}: EVIDENCE_CLASS must be one of {EVIDENCE_CLASSES}, "
                             f"not {evidence_class!r}")
        detectors[module.KIND] = Detector(
            kind=module.KIND,
            Params=module.Params,
            detect=module.detect,
            period=getattr(module, "PERIOD", None),
            messages=getattr(module, "MESSAGES", {}),
            doc=(module.__doc__ or "").strip(),
            evidence_class=evidence_class,
            visit_columns=frozenset(module.VISIT_COLUMNS) if hasattr(module, "VISIT_COLUMNS") else None,
        )
    return detectors


DETECTORS: dict[str, Detector] = _registry()


def visit_columns_for(rules: Iterable[Any]) -> frozenset[str] | None:
    """The visit columns a run of these rules reads; None when any of them may read any."""
    needed: set[str] = set()
    for rule in rules:
        if not rule.enabled:
            continue
        columns = DETECTORS[rule.kind].visit_columns
        if columns is None:
            return None
        needed |= columns
        if rule.scope.service_types:
            needed.add("service_type")  # the scope is applied to the frame (Evidence.scoped_visits)
    return frozenset(needed)
