"""single_client_concentration: suppliers where a large share of staff spend nearly all their
registered time with one client ("objektsanställning").

A carer hired for one client only is often a relative or a friend of the family, and with
nobody else visiting, registered time is hard to check. In ordinary home care a carer sees
five to fifteen clients a week. Per staff member and period: the share of registered minutes
spent with the top client; a staff member counts when they have at least `min_staff_hours`
registered, and is concentrated when that share is at least `min_client_share`. A supplier
is flagged when concentrated staff are at least `max_staff_share` of its counted staff, with
at least `min_staff` counted (a small supplier with three carers may well give each one
client) and at least `min_concentrated_staff` concentrated.

Staff count from 20 registered hours a month (about five a week). Below that a carer is an
occasional substitute, or one of the two regulars taking turns on a single client's evening
round, and working for one client is ordinary rota: with 10 hours, an honest small supplier
with one such round and an openly employed relative reached a quarter of its staff. One carer
of six working for a relative (17 %) is not flagged at the defaults; that case is
relative_caregiver's to judge, by whether the visits run long.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.periods import period_bounds, period_keys

KIND = "single_client_concentration"
# The visits frame's columns read besides the core ones (see detectors/__init__.py).
VISIT_COLUMNS = ("staff_key", "client_key", "registered_minutes")
PERIOD = "month"
MESSAGES = {
    "sv": {
        KIND: "{staff} av {total:anställd|anställda} ({share_pct} %) hade minst {threshold_client_pct} % av sin "
              "registrerade tid hos en och samma brukare",
        f"{KIND}:many": "Under {findings:period|perioder} hade upp till {share_pct} % av personalen minst "
                        "{threshold_client_pct} % av sin registrerade tid hos en och samma brukare",
    },
    "en": {
        KIND: "{staff} of {total:staff member|staff} ({share_pct} %) spent at least {threshold_client_pct} % of their "
              "registered time with a single client",
        f"{KIND}:many": "In {findings:period|periods} up to {share_pct} % of staff spent at least "
                        "{threshold_client_pct} % of their registered time with a single client",
    },
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_client_share: float = Field(
        0.8, gt=0, le=1,
        description="A staff member is concentrated when this share (0-1) of their registered minutes is with "
                    "one client.",
    )
    # Above 0: at 0, staff whose only visits last no time would count, all "with one client".
    min_staff_hours: float = Field(
        20.0, gt=0,
        description="Staff with fewer registered hours in the period are not counted (occasional staff and "
                    "the regulars of a one-client round); above 0.",
    )
    max_staff_share: float = Field(
        0.25, gt=0, le=1, description="Flag when concentrated staff are at least this share (0-1) of counted staff."
    )
    min_staff: int = Field(4, ge=1, description="Counted staff a supplier needs in a period before it is judged.")
    min_concentrated_staff: int = Field(1, ge=1, description="Concentrated staff needed for a finding.")


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    visits = ctx.visits()
    if visits.empty:
        return []
    minutes = visits["registered_minutes"].to_numpy(dtype="float64")
    frame = pd.DataFrame({
        "supplier_id": visits["supplier_id"].to_numpy(),
        "period_key": period_keys(visits["registered_start"].to_numpy(dtype="float64"), ctx.period),
        "staff_key": visits["staff_key"].to_numpy(),
        "client_key": visits["client_key"].to_numpy(),
        "minutes": np.where(np.isfinite(minutes) & (minutes > 0), minutes, 0.0),
    })
    staff_keys = ["supplier_id", "period_key", "staff_key"]
    per_client = frame.groupby([*staff_keys, "client_key"], sort=False)["minutes"].sum()
    per_staff = per_client.groupby(level=staff_keys).agg(["sum", "max", "idxmax"])
    counted = per_staff[per_staff["sum"] >= params.min_staff_hours * 60]
    counted = counted.assign(concentrated=counted["max"] >= params.min_client_share * counted["sum"])
    stats = counted.groupby(level=["supplier_id", "period_key"])["concentrated"].agg(["sum", "count"])
    stats["share"] = stats["sum"] / stats["count"]
    flagged = stats[
        (stats["count"] >= params.min_staff)
        & (stats["sum"] >= params.min_concentrated_staff)
        & (stats["share"] >= params.max_staff_share)
    ]
    if flagged.empty:
        return []
    # The (supplier, period, staff, top client) of each concentrated carer: their visits are the evidence.
    tops = counted.loc[counted["concentrated"], "idxmax"].tolist()
    near = np.flatnonzero(frame["staff_key"].isin({top[2] for top in tops}).to_numpy())
    candidates = frame.iloc[near]
    exact = pd.MultiIndex.from_frame(candidates[[*staff_keys, "client_key"]]).isin(tops)
    rows = near[exact]
    evidence = pd.DataFrame({
        "supplier_id": frame["supplier_id"].to_numpy()[rows], "period_key": frame["period_key"].to_numpy()[rows],
        "visit_id": visits["visit_id"].to_numpy()[rows], "staff_id": visits["staff_id"].to_numpy()[rows],
    })
    drafts = []
    for (supplier_id, key), row in flagged.iterrows():
        group = evidence[(evidence["supplier_id"] == supplier_id) & (evidence["period_key"] == key)]
        start, end = period_bounds(key, ctx.period)
        drafts.append(
            FindingDraft(
                supplier_id=int(supplier_id),
                period_start=start,
                period_end=end,
                strength=max(1.0, float(row["share"]) / params.max_staff_share),
                detail={
                    "key": KIND,
                    "args": {
                        "staff": int(row["sum"]),
                        "total": int(row["count"]),
                        "share_pct": round(100 * float(row["share"]), 1),
                        "threshold_client_pct": round(100 * params.min_client_share, 1),
                    },
                },
                evidence={"staff_ids": evidence_ids(group["staff_id"]), "visit_ids": evidence_ids(group["visit_id"])},
            )
        )
    return drafts
