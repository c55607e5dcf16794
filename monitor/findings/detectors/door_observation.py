"""door_observation_mismatch: visits registered at an address while observers watching its
entrance saw no staff.

The strongest evidence the team has (category plan 5.1.4). A visit is contradicted when its
registered start or end falls inside the observation window, since someone would then have
been seen arriving or leaving. A visit that began before the watch and ended after it is not
contradicted: the carer was inside all along.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select

from monitor.addresses import haversine_m
from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.models import DoorObservation, Visit

KIND = "door_observation_mismatch"
PERIOD = None  # one finding per observation window
MESSAGES = {
    "sv": {
        KIND: "{visits} besök registrerade under en portobservation ({minutes} min) där ingen personal sågs",
        f"{KIND}:many": "{visits} besök registrerade under {findings} portobservationer där ingen personal sågs",
    },
    "en": {
        KIND: "{visits} visits registered during a door observation ({minutes} min) in which no staff were seen",
        f"{KIND}:many": "{visits} visits registered during {findings} door observations in which no staff were seen",
    },
}


class Params(BaseModel):
    # strict: YAML `yes` must not quietly become a distance of 1 m.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_distance_m: float = Field(
        40.0, ge=0, description="Visits within this distance of the observed entrance count."
    )
    edge_margin_minutes: float = Field(
        2.0, ge=0, description="A start or end this close to the window's edges may have been missed."
    )
    max_visit_hours: float = Field(
        24.0, gt=0, description="Longest visit considered; bounds the search window."
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    conn, supplier_ids = ctx.conn, ctx.supplier_ids
    v = Visit.__table__.c  # type: ignore[attr-defined]
    o = DoorObservation.__table__.c  # type: ignore[attr-defined]
    # In time order, so a visit seen by two overlapping watches counts once, for the first.
    observations = conn.execute(
        select(DoorObservation.__table__).where(o.staff_seen.is_(False)).order_by(o.observed_from, o.observation_id)
    ).all()
    counted: set[str] = set()
    margin = timedelta(minutes=params.edge_margin_minutes)
    box = params.max_distance_m / 111_000  # degrees of latitude
    hits: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    windows = {}
    for obs in observations:
        near = v.address_key == obs.address_key
        if obs.latitude is not None and params.max_distance_m > 0:
            # A degree of longitude shrinks towards the pole: widen the box by 1/cos(latitude).
            box_lon = box / max(math.cos(math.radians(obs.latitude)), 0.01)
            near = or_(
                near,
                and_(
                    v.latitude.between(obs.latitude - box, obs.latitude + box),
                    v.longitude.between(obs.longitude - box_lon, obs.longitude + box_lon),
                ),
            )
        query = select(v.visit_id, v.supplier_id, v.staff_id, v.address_key, v.latitude, v.longitude,
                       v.registered_start, v.registered_end, v.service_type).where(
            near,
            v.registered_start >= obs.observed_from - timedelta(hours=params.max_visit_hours),
            v.registered_start <= obs.observed_to,
            v.registered_end >= obs.observed_from,
        )
        if supplier_ids is not None:
            query = query.where(v.supplier_id.in_(sorted(supplier_ids)))
        if ctx.evidence.since is not None:
            query = query.where(v.registered_start >= ctx.evidence.since)
        if ctx.evidence.until is not None:
            query = query.where(v.registered_start < ctx.evidence.until)
        inner_from, inner_to = obs.observed_from + margin, obs.observed_to - margin
        wanted = {t.casefold() for t in ctx.service_types} if ctx.service_types is not None else None
        for visit in conn.execute(query):
            if wanted is not None and visit.service_type.casefold() not in wanted:
                continue
            if visit.address_key != obs.address_key and (
                visit.latitude is None
                or haversine_m(obs.latitude, obs.longitude, visit.latitude, visit.longitude)
                > params.max_distance_m
            ):
                continue
            start_seen = inner_from <= visit.registered_start <= inner_to
            end_seen = inner_from <= visit.registered_end <= inner_to
            if (start_seen or end_seen) and visit.visit_id not in counted:
                counted.add(visit.visit_id)
                hits[(visit.supplier_id, obs.observation_id)].append((visit.visit_id, visit.staff_id))
        windows[obs.observation_id] = (obs.observed_from, obs.observed_to)
    drafts = []
    for (supplier_id, observation_id), visits in sorted(hits.items()):
        start, end = windows[observation_id]
        drafts.append(
            FindingDraft(
                supplier_id=supplier_id,
                period_start=start,
                period_end=end,
                strength=float(len(visits)),
                detail={
                    "key": KIND,
                    "args": {"visits": len(visits), "minutes": round((end - start).total_seconds() / 60)},
                },
                evidence={
                    "observation_ids": [observation_id],
                    "visit_ids": evidence_ids([vid for vid, _ in visits]),
                    "staff_ids": evidence_ids([sid for _, sid in visits]),
                },
            )
        )
    return drafts
