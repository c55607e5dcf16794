"""A synthetic municipality as evidence frames, for the outlier tests: no database needed.

`population(...)` makes suppliers whose staff walk a day of back-to-back visits in one
neighbourhood; keyword arguments plant a behaviour at one supplier. Everything is drawn from
a seeded random.Random, so every test sees the same frames.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from monitor.findings.evidence import Evidence
from monitor.timestamps import STOCKHOLM

MONDAY = datetime(2026, 10, 5, tzinfo=STOCKHOLM).timestamp()  # week 41
DAY, MINUTE = 86_400.0, 60.0
AS_OF = MONDAY + 28 * DAY  # the Monday after four weeks


@dataclass
class Behaviour:
    """How one supplier's visits look; the defaults are an ordinary home-care supplier."""

    staff: int = 4
    manual_share: float = 0.03
    duration_ratio: float = 0.95
    night: bool = False  # a night patrol: short checks between 22 and 06
    area: str = "Hemtjänst"
    odd_weeks: dict[int, dict[str, float]] = field(default_factory=dict)  # week -> overrides


def evidence_of(visits: pd.DataFrame, suppliers: pd.DataFrame, staff: pd.DataFrame | None = None,
                events: pd.DataFrame | None = None) -> Evidence:
    """An Evidence over ready frames (no connection): the cached properties are filled in."""
    evidence = Evidence(conn=None)  # type: ignore[arg-type]
    evidence.__dict__.update(
        visits=visits.sort_values(["staff_key", "registered_start"], kind="stable").reset_index(drop=True),
        suppliers=suppliers,
        staff=staff if staff is not None else pd.DataFrame(columns=["supplier_id", "staff_id",
                                                                    "relative_of_client_refs"]),
        client_events=events if events is not None else pd.DataFrame(columns=["client_ref", "event", "start", "end"]),
    )
    return evidence


def _visits_of(supplier_id: int, b: Behaviour, rng: random.Random, weeks: int) -> list[dict[str, Any]]:
    rows = []
    lat0, lon0 = 59.20 + supplier_id * 0.01, 17.90
    for s in range(b.staff):
        for day in range(weeks * 7):
            week = day // 7
            manual = b.odd_weeks.get(week, {}).get("manual_share", b.manual_share)
            ratio = b.odd_weeks.get(week, {}).get("duration_ratio", b.duration_ratio)
            planned_minutes, count = (10.0, 10) if b.night else (30.0, 6)
            t = MONDAY + day * DAY + (22 * 3600 if b.night else 7 * 3600)
            for v in range(count):
                minutes = planned_minutes * max(0.3, rng.gauss(ratio, 0.08))
                client = f"K{supplier_id}-{(s * 7 + v) % (b.staff * 5)}"
                rows.append({
                    "visit_id": f"V{supplier_id}-{s}-{day}-{v}", "supplier_id": supplier_id,
                    "staff_id": f"S{s}", "client_ref": client,
                    # Neighbours a few hundred metres apart: no move is ever fast or long.
                    "latitude": lat0 + rng.uniform(0, 0.002), "longitude": lon0 + rng.uniform(0, 0.002),
                    "planned_start": t, "planned_end": t + planned_minutes * MINUTE,
                    "registered_start": t, "registered_end": t + minutes * MINUTE,
                    "recorded_at": t + minutes * MINUTE + 60,
                    "registration_method": "manual" if rng.random() < manual else "nfc",
                    "service_type": "nattillsyn" if b.night else "omvårdnad", "device_id": None,
                    "decided_minutes": np.nan,
                })
                t += (planned_minutes + 15) * MINUTE
    return rows


def population(weeks: int = 4, seed: int = 42, n: int = 20, **special: Behaviour) -> Evidence:
    """`n` ordinary suppliers (ids 1..n) plus named special ones (ids n+1...), in Hemtjänst
    unless their Behaviour says otherwise. Supplier names are the keyword names."""
    rng = random.Random(seed)
    behaviours = {f"ordinary{i}": Behaviour(staff=rng.choice([3, 4, 5])) for i in range(1, n + 1)}
    behaviours.update(special)
    rows, suppliers = [], []
    for supplier_id, (name, b) in enumerate(behaviours.items(), start=1):
        rows += _visits_of(supplier_id, b, rng, weeks)
        suppliers.append({"id": supplier_id, "org_number": f"55{supplier_id:04d}-0000", "name": name,
                          "contract_area": b.area, "subcategory": "Äldreomsorg"})
    visits = pd.DataFrame(rows)
    visits["staff_key"] = pd.factorize(visits["supplier_id"].astype(str) + "/" + visits["staff_id"])[0]
    visits["client_key"] = pd.factorize(visits["client_ref"])[0]
    visits["address_code"] = visits["client_key"]
    visits["registered_minutes"] = (visits["registered_end"] - visits["registered_start"]) / 60
    visits["planned_minutes"] = (visits["planned_end"] - visits["planned_start"]) / 60
    for column in ("registration_method", "service_type"):
        visits[column] = visits[column].astype("category")
    return evidence_of(visits, pd.DataFrame(suppliers))


def supplier_id(evidence: Evidence, name: str) -> int:
    suppliers = evidence.suppliers
    return int(suppliers.loc[suppliers["name"] == name, "id"].iloc[0])
