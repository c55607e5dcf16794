"""The evidence as column frames, loaded once per scoring run and shared by every detector.

Detectors work on whole columns (pandas/numpy), not row by row: a municipality's month is
about a million visits. Instants are epoch seconds as float64 (NaN where the export left a
value empty), computed by the database so no Python object is made per timestamp.

Frames:
- `visits`: one row per visit, ordered by (staff_key, registered_start). Columns: id, visit_id,
  supplier_id, staff_id, staff_key (supplier + staff id: the same id at two suppliers is two
  people), client_ref, client_key, address_key, latitude, longitude, planned_start,
  planned_end, registered_start, registered_end, recorded_at, registration_method,
  service_type, device_id, decided_minutes, and derived registered_minutes, planned_minutes.
- `client_events`: client_ref, event, start, end (NaN: still ongoing).
- `staff`: supplier_id, staff_id, relative_of_client_refs (a list).
- `suppliers`: id, org_number, name, contract_area, subcategory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from monitor.findings.periods import Period

_VISIT_COLUMNS = (
    "id", "visit_id", "supplier_id", "staff_id", "client_ref", "address_key", "latitude", "longitude",
    "planned_start", "planned_end", "registered_start", "registered_end", "recorded_at",
    "registration_method", "service_type", "device_id", "decided_minutes",
)
_INSTANTS = ("planned_start", "planned_end", "registered_start", "registered_end", "recorded_at")
_CATEGORIES = ("registration_method", "service_type")


def _epoch_sql(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        # Stored as sortable UTC text; julianday() parses it in C.
        return f"(julianday({column}) - 2440587.5) * 86400.0"
    return f"CAST(extract(epoch from {column}) AS double precision)"


@dataclass
class Evidence:
    """Lazily loaded frames over one connection; `since`/`until` bound the visits by start."""

    conn: Connection
    since: datetime | None = None
    until: datetime | None = None
    _scoped: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def _window_sql(self, column: str) -> tuple[str, dict[str, Any]]:
        clauses, params = [], {}
        if self.since is not None:
            clauses.append(f"{column} >= :since")
            params["since"] = self.since
        if self.until is not None:
            clauses.append(f"{column} < :until")
            params["until"] = self.until
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _bind(self, params: dict[str, Any]) -> dict[str, Any]:
        from monitor.db import format_sqlite_utc

        if self.dialect == "sqlite":
            return {k: format_sqlite_utc(v) for k, v in params.items()}
        return params

    @cached_property
    def visits(self) -> pd.DataFrame:
        columns = [
            _epoch_sql(self.dialect, c) if c in _INSTANTS else c for c in _VISIT_COLUMNS
        ]
        where, params = self._window_sql("registered_start")
        sql = f"SELECT {', '.join(columns)} FROM visits{where}"
        result = self.conn.exec_driver_sql(sql, self._bind(params)) if params else self.conn.exec_driver_sql(sql)
        frame = pd.DataFrame.from_records(result.fetchall(), columns=list(_VISIT_COLUMNS))
        return _prepare_visits(frame)

    @cached_property
    def client_events(self) -> pd.DataFrame:
        start, end = _epoch_sql(self.dialect, "start"), _epoch_sql(self.dialect, '"end"')
        sql = f"SELECT client_ref, event, {start}, {end} FROM client_events"
        rows = self.conn.exec_driver_sql(sql).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=["client_ref", "event", "start", "end"])
        for column in ("start", "end"):
            frame[column] = np.round(frame[column].astype("float64"), 3)
        return frame

    @cached_property
    def staff(self) -> pd.DataFrame:
        from sqlalchemy import select

        from monitor.models import Staff

        t = Staff.__table__.c  # type: ignore[attr-defined]
        rows = self.conn.execute(select(t.supplier_id, t.staff_id, t.relative_of_client_refs)).all()
        return pd.DataFrame.from_records(rows, columns=["supplier_id", "staff_id", "relative_of_client_refs"])

    @cached_property
    def suppliers(self) -> pd.DataFrame:
        sql = "SELECT id, org_number, name, contract_area, subcategory FROM suppliers"
        rows = self.conn.exec_driver_sql(sql).fetchall()
        return pd.DataFrame.from_records(rows, columns=["id", "org_number", "name", "contract_area", "subcategory"])

    def scoped_visits(self, supplier_ids: frozenset[int] | None, service_types: frozenset[str] | None) -> pd.DataFrame:
        """The visits a rule's scope covers (cached: several rules share a scope)."""
        key = (supplier_ids, service_types)
        if key not in self._scoped:
            frame = self.visits
            mask = np.ones(len(frame), dtype=bool)
            if supplier_ids is not None:
                mask &= frame["supplier_id"].isin(supplier_ids).to_numpy()
            if service_types is not None:
                wanted = {s.casefold() for s in service_types}
                mask &= frame["service_type"].astype(str).str.casefold().isin(wanted).to_numpy()
            self._scoped[key] = frame if mask.all() else frame[mask].reset_index(drop=True)
        return self._scoped[key]


def _prepare_visits(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _INSTANTS:
        # Rounded to the millisecond: julianday arithmetic leaves a few microseconds of noise.
        frame[column] = np.round(frame[column].astype("float64"), 3)
    for column in ("latitude", "longitude", "decided_minutes"):
        frame[column] = frame[column].astype("float64")
    for column in _CATEGORIES:
        frame[column] = frame[column].astype("category")
    frame["supplier_id"] = frame["supplier_id"].astype("int64")
    frame["staff_key"] = pd.factorize(
        pd.MultiIndex.from_arrays([frame["supplier_id"], frame["staff_id"]])
    )[0].astype("int64") if len(frame) else np.zeros(0, dtype="int64")
    frame["client_key"] = pd.factorize(frame["client_ref"])[0].astype("int64")
    frame["registered_minutes"] = (frame["registered_end"] - frame["registered_start"]) / 60.0
    frame["planned_minutes"] = (frame["planned_end"] - frame["planned_start"]) / 60.0
    frame = frame.sort_values(["staff_key", "registered_start", "visit_id"], kind="stable")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class RuleContext:
    """What one rule sees: the shared evidence, narrowed to its scope, and its period."""

    evidence: Evidence
    period: Period
    supplier_ids: frozenset[int] | None = None
    service_types: frozenset[str] | None = None

    @property
    def conn(self) -> Connection:
        return self.evidence.conn

    def visits(self) -> pd.DataFrame:
        return self.evidence.scoped_visits(self.supplier_ids, self.service_types)
