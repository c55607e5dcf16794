"""manual_registration_share: suppliers registering many visits by hand, week after week.

A manual or phone registration has no tag or lock behind it, so it is easy to make up. Any
supplier has some (a flat battery, a new client without a tag), and a broken digital lock can
force a whole week of them; what stands out is a high share that lasts. So a period counts only
with enough visits and a share at or above `max_share`, and a finding needs at least
`min_consecutive_periods` such periods in a row.

A period with fewer than `min_visits` visits (a holiday week, a partly imported week, a week
without any) is skipped: it neither breaks a run nor counts towards it, and its visits are not
in the finding. A period with enough visits and a share below `max_share` ends the run. So
"in a row" means in a row among the periods that could be judged, and a run's span from its
first to its last period can hold skipped periods.

A visit is manual by the same test as the `manual_share` metric's (at the default `methods`):
monitor.findings.visit_signs.manual_mask.

One finding per sustained run: it spans the run's first to last period and gives the share over
the whole run. As a run grows, the next scoring run replaces the finding with a longer one
(only current findings are ranked). Strength is the sum over the run's periods of
share / max_share, what one finding per period would have added up to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import Period, period_bounds, period_keys
from monitor.findings.visit_signs import manual_mask
from monitor.registrations import MANUAL_METHODS, REGISTRATION_METHODS

KIND = "manual_registration_share"
PERIOD = "week"
# The run's length is worded in the rule's period; the message key says which.
_UNITS = {"day": ("dag|dagar", "day|days"), "week": ("vecka|veckor", "week|weeks"),
          "month": ("månad|månader", "month|months")}


def _messages() -> dict[str, dict[str, str]]:
    messages: dict[str, dict[str, str]] = {"sv": {}, "en": {}}
    for period, (sv, en) in _UNITS.items():
        key = _message_key(period)  # type: ignore[arg-type]
        messages["sv"][key] = (f"{{share_pct}} % manuella registreringar ({{visits}} av {{total}} besök) "
                               f"under {{periods:{sv}}} i följd (gräns {{threshold_pct}} %)")
        messages["sv"][f"{key}:many"] = (f"{{visits}} manuella registreringar av {{total}} besök under "
                                         f"{{periods:{sv}}} med hög andel, som mest {{share_pct}} % "
                                         f"(gräns {{threshold_pct}} %)")
        messages["en"][key] = (f"{{share_pct}}% manual registrations ({{visits}} of {{total:visit|visits}}) "
                               f"over {{periods:{en}}} in a row (threshold {{threshold_pct}}%)")
        messages["en"][f"{key}:many"] = (f"{{visits}} manual registrations of {{total:visit|visits}} over "
                                         f"{{periods:{en}}} with a high share, at most {{share_pct}}% "
                                         f"(threshold {{threshold_pct}}%)")
    return messages


def _message_key(period: Period) -> str:
    return KIND if period == "week" else f"{KIND}.{period}"


MESSAGES = _messages()


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    methods: list[str] = Field(
        default_factory=lambda: list(MANUAL_METHODS), min_length=1,
        description=f"Registration methods that count as manual ({', '.join(REGISTRATION_METHODS)}).",
    )
    max_share: float = Field(
        0.2, ge=0, le=1, description="A period counts when at least this share of its visits are manual."
    )
    min_visits: int = Field(30, ge=1, description="Visits a supplier needs in a period for it to count.")
    min_consecutive_periods: int = Field(
        2, ge=1, description="Periods in a row with a high share before a supplier is flagged."
    )

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, methods: list[str]) -> list[str]:
        # A misspelt or translated method ("Manuell") would match no visit and the rule would never fire.
        unknown = [m for m in methods if m.casefold() not in REGISTRATION_METHODS]
        if unknown:
            raise ValueError(f"unknown registration method(s) {', '.join(map(repr, unknown))}; "
                             f"valid methods: {', '.join(REGISTRATION_METHODS)}")
        return [m.casefold() for m in methods]


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    if visits.empty:
        return []
    frame = pd.DataFrame({
        "supplier_id": visits["supplier_id"].to_numpy(),
        "key": period_keys(visits["registered_start"].to_numpy(dtype="float64"), ctx.period),
        "hit": manual_mask(visits, params.methods),
    })
    stats = frame.groupby(["supplier_id", "key"], sort=True)["hit"].agg(["sum", "count"]).reset_index()
    # Periods too small to judge are dropped before runs are formed, so they do not break one.
    judged = stats[stats["count"] >= params.min_visits].copy()
    judged["share"] = judged["sum"] / judged["count"]
    is_high = ((judged["share"] >= params.max_share) & (judged["sum"] > 0)).to_numpy()
    if not is_high.any():
        return []
    supplier = judged["supplier_id"].to_numpy()
    starts = np.ones(len(judged), dtype=bool)
    starts[1:] = (supplier[1:] != supplier[:-1]) | ~is_high[:-1]
    judged["run"] = np.cumsum(starts & is_high)
    high = judged[is_high]
    lengths = high.groupby("run")["key"].transform("size")
    runs = high[lengths >= params.min_consecutive_periods]
    if runs.empty:
        return []
    return _drafts(visits, frame, runs, ctx.period, params)


def _drafts(visits: pd.DataFrame, frame: pd.DataFrame, runs: pd.DataFrame, period: Period,
            params: Params) -> list[FindingDraft]:
    run_of = frame[["supplier_id", "key"]].merge(runs[["supplier_id", "key", "run"]], how="left",
                                                 on=["supplier_id", "key"])["run"].to_numpy()
    in_run_hit = frame["hit"].to_numpy() & ~np.isnan(run_of)
    hit_runs = run_of[in_run_hit]
    hit_visits = visits.loc[in_run_hit, ["visit_id", "staff_id"]].assign(run=hit_runs)
    by_run = hit_visits.groupby("run").indices
    drafts = []
    for run, periods in runs.groupby("run", sort=True):
        rows = hit_visits.iloc[by_run[run]]
        manual, total = int(periods["sum"].sum()), int(periods["count"].sum())
        start, _ = period_bounds(periods["key"].iloc[0], period)
        _, end = period_bounds(periods["key"].iloc[-1], period)
        drafts.append(FindingDraft(
            supplier_id=int(periods["supplier_id"].iloc[0]),
            period_start=start,
            period_end=end,
            strength=float((periods["share"] / params.max_share).sum()) if params.max_share > 0 else float(manual),
            detail={"key": _message_key(period), "args": {
                "visits": manual,
                "total": total,
                "share_pct": round(100 * manual / total, 1),
                "threshold_pct": round(100 * params.max_share, 1),
                "periods": len(periods),
            }},
            evidence={"visit_ids": evidence_ids(rows["visit_id"]), "staff_ids": evidence_ids(rows["staff_id"])},
        ))
    return drafts

