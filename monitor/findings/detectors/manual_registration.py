"""manual_registration_share: suppliers registering many visits by hand, week after week.

A manual or phone registration has no tag or lock behind it, so it is easy to make up. Any
supplier has some (a flat battery, a new client without a tag), and a broken digital lock can
force a whole week of them; what stands out is a high share that lasts. So a period counts only
with enough visits and a share at or above `max_share`, and a finding needs at least
`min_consecutive_periods` such periods in a row.

One finding per sustained run: it spans the run's first to last period and gives the share over
the whole run. As a run grows, the next scoring run replaces the finding with a longer one
(only current findings are ranked). Strength is the sum over the run's periods of
share / max_share, what one finding per period would have added up to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import Period, period_bounds, period_keys

KIND = "manual_registration_share"
PERIOD = "week"
# The run's length is worded in the rule's period; the message key says which.
_UNITS = {"day": ("dagar", "days"), "week": ("veckor", "weeks"), "month": ("månader", "months")}


def _messages() -> dict[str, dict[str, str]]:
    messages: dict[str, dict[str, str]] = {"sv": {}, "en": {}}
    for period, (sv, en) in _UNITS.items():
        key = _message_key(period)  # type: ignore[arg-type]
        messages["sv"][key] = (f"{{share_pct}} % manuella registreringar ({{visits}} av {{total}} besök) "
                               f"under {{periods}} {sv} i följd (gräns {{threshold_pct}} %)")
        messages["sv"][f"{key}:many"] = (f"{{visits}} manuella registreringar av {{total}} besök under "
                                         f"{{periods}} {sv} med hög andel, som mest {{share_pct}} % "
                                         f"(gräns {{threshold_pct}} %)")
        messages["en"][key] = (f"{{share_pct}}% manual registrations ({{visits}} of {{total}} visits) "
                               f"over {{periods}} consecutive {en} (threshold {{threshold_pct}}%)")
        messages["en"][f"{key}:many"] = (f"{{visits}} manual registrations of {{total}} visits over "
                                         f"{{periods}} {en} with a high share, at most {{share_pct}}% "
                                         f"(threshold {{threshold_pct}}%)")
    return messages


def _message_key(period: Period) -> str:
    return KIND if period == "week" else f"{KIND}.{period}"


MESSAGES = _messages()


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    methods: list[str] = Field(
        default_factory=lambda: ["manual", "phone"],
        description="Registration methods that count as manual (nfc, digital_lock, app, manual, phone).",
    )
    max_share: float = Field(
        0.2, ge=0, le=1, description="A period counts when at least this share of its visits are manual."
    )
    min_visits: int = Field(30, ge=1, description="Visits a supplier needs in a period for it to count.")
    min_consecutive_periods: int = Field(
        2, ge=1, description="Periods in a row with a high share before a supplier is flagged."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    if visits.empty:
        return []
    methods = {m.casefold() for m in params.methods}
    frame = pd.DataFrame({
        "supplier_id": visits["supplier_id"].to_numpy(),
        "key": period_keys(visits["registered_start"].to_numpy(dtype="float64"), ctx.period),
        "hit": visits["registration_method"].astype(str).str.casefold().isin(methods).to_numpy(),
    })
    stats = frame.groupby(["supplier_id", "key"], sort=True)["hit"].agg(["sum", "count"]).reset_index()
    stats["share"] = stats["sum"] / stats["count"]
    high = stats[(stats["count"] >= params.min_visits) & (stats["share"] >= params.max_share)
                 & (stats["sum"] > 0)].copy()
    if high.empty:
        return []
    ordinal = _period_ordinal(high["key"].to_numpy(), ctx.period)
    supplier = high["supplier_id"].to_numpy()
    new_run = np.ones(len(high), dtype=bool)
    new_run[1:] = (supplier[1:] != supplier[:-1]) | (np.diff(ordinal) != 1)
    high["run"] = np.cumsum(new_run)
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


def _period_ordinal(keys: np.ndarray, period: Period) -> np.ndarray:
    """Consecutive periods get consecutive numbers (keys are the periods' first local days)."""
    days = keys.astype("int64")
    if period == "day":
        return days
    if period == "week":
        return days // 7
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("int64")
