"""The evidence as column frames, loaded once per scoring run and shared by every detector.

Detectors work on whole columns (pandas/numpy), not row by row: a municipality's month is
about a million visits. Instants are epoch seconds as float64 (NaN where the export left a
value empty), computed by the database so no Python object is made per timestamp.

Frames:
- `visits`: one row per visit, ordered by (staff_key, registered_start). Columns: id, visit_id,
  supplier_id, staff_id, staff_key (supplier + staff id: the same id at two suppliers is two
  people), client_ref, client_key, address_key, address_code (the entrance as an int),
  latitude, longitude, planned_start,
  planned_end, registered_start, registered_end, recorded_at, registration_method,
  service_type, device_id, decided_minutes, and derived registered_minutes, planned_minutes.
- `client_events`: client_ref, event, start, end (NaN: no end given: a stay still going on, a death or a move).
- `staff`: supplier_id, staff_id, relative_of_client_refs (a list).
- `suppliers`: id, org_number, name, contract_area, subcategory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from monitor.findings.periods import Period
from monitor.findings.sequences import time_order
from monitor.gcpause import gc_paused
from monitor.labels import fold_label

T = TypeVar("T")

_VISIT_COLUMNS = (
    "id", "visit_id", "supplier_id", "staff_id", "client_ref", "address_key", "latitude", "longitude",
    "planned_start", "planned_end", "registered_start", "registered_end", "recorded_at",
    "registration_method", "service_type", "device_id", "decided_minutes",
)
_INSTANTS = ("planned_start", "planned_end", "registered_start", "registered_end", "recorded_at")
_CATEGORIES = ("registration_method", "service_type")
_FLOATS = (*_INSTANTS, "latitude", "longitude", "decided_minutes")
_INTS = ("id", "supplier_id")
# Few distinct values in many rows: each value is kept once and the rows get integer codes.
_POOLED = ("staff_id", "client_ref", "address_key", "device_id", *_CATEGORIES)
# Frames read whole whatever group of suppliers the visits are for (Evidence.for_suppliers).
_WHOLE_FRAMES = ("client_events", "staff", "observations", "suppliers")
# Rows per fetch: the driver's row tuples only live for one chunk.
_FETCH_ROWS = 20_000
# Loaded whatever a run asks for: the frame's order and staff_key are made of them.
_CORE_COLUMNS = frozenset({"visit_id", "supplier_id", "staff_id", "registered_start", "registered_end"})
# Derived columns -> the loaded ones they are made of.
_DERIVED_FROM = {
    "staff_key": ("supplier_id", "staff_id"),
    "client_key": ("client_ref",),
    "address_code": ("address_key",),
    "registered_minutes": ("registered_start", "registered_end"),
    "planned_minutes": ("planned_start", "planned_end"),
}


def loaded_columns(wanted: frozenset[str] | None) -> tuple[str, ...]:
    """The visit columns to read from the database for frames with `wanted` (None: all)."""
    if wanted is None:
        return _VISIT_COLUMNS
    needed = set(_CORE_COLUMNS)
    for name in wanted:
        needed.update(_DERIVED_FROM.get(name, (name,)))
    unknown = needed - set(_VISIT_COLUMNS)
    if unknown:
        raise ValueError(f"no such visit column: {', '.join(sorted(unknown))}")
    return tuple(c for c in _VISIT_COLUMNS if c in needed)


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
    # The visit columns the run's detectors read (detectors.visit_columns_for); None: all of them.
    # Reading only those saves most of the load when a run needs few.
    visit_columns: frozenset[str] | None = None
    # A group of suppliers whose visits alone are loaded (scoring in groups bounds memory by the
    # largest group); None: every supplier's. The other frames are small and stay whole.
    supplier_ids: frozenset[int] | None = None
    _scoped: dict[Any, pd.DataFrame] = field(default_factory=dict, repr=False)
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def _placeholder(self, name: str) -> str:
        """A named parameter in the driver's own style, for SQL run on the DB-API cursor."""
        return f":{name}" if self.dialect == "sqlite" else f"%({name})s"

    def _window_sql(self, column: str) -> tuple[str, dict[str, Any]]:
        """A WHERE clause bounding `column` to [since, until)."""
        clauses, params = [], {}
        for name, op in (("since", ">="), ("until", "<")):
            value = getattr(self, name)
            if value is not None:
                clauses.append(f"{column} {op} {self._placeholder(name)}")
                params[name] = value
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _bind(self, params: dict[str, Any]) -> dict[str, Any]:
        from monitor.db import format_sqlite_utc

        if self.dialect == "sqlite":
            return {k: format_sqlite_utc(v) for k, v in params.items()}
        return params

    def _cursor(self) -> Any:
        """A DB-API cursor on this connection (in its transaction)."""
        raw: Any = self.conn.connection.dbapi_connection
        if self.conn.dialect.driver == "psycopg" and not raw.autocommit:
            # Server side: the rows arrive a chunk at a time rather than all at once into
            # libpq's memory (half a gigabyte at a million visits); binary saves parsing.
            return raw.cursor(name="monitor_evidence_visits", binary=True)
        return raw.cursor()

    @cached_property
    def visits(self) -> pd.DataFrame:
        names = loaded_columns(self.visit_columns)
        columns = [_epoch_sql(self.dialect, c) if c in _INSTANTS else c for c in names]
        where, params = self._window_sql("registered_start")
        if self.supplier_ids is not None:
            # Integers from the suppliers table, not text from outside: written into the SQL.
            listed = ", ".join(str(int(i)) for i in sorted(self.supplier_ids)) or "NULL"
            where = f"{where} AND supplier_id IN ({listed})" if where else f" WHERE supplier_id IN ({listed})"
        # The bare DB-API cursor: SQLAlchemy's Row objects and pandas' record parsing cost
        # more than the query itself at a million rows.
        cursor = self._cursor()
        try:
            cursor.execute(f"SELECT {', '.join(columns)} FROM visits{where}", self._bind(params))
            with gc_paused():
                arrays = _fetch_columns(cursor, names)
        finally:
            cursor.close()
        return _visits_frame(arrays, names)

    def for_suppliers(self, supplier_ids: frozenset[int] | None) -> Evidence:
        """The same evidence for another group of suppliers: the small frames already read are
        shared, the visits (and what was derived from them) are read anew when first asked for."""
        other = Evidence(self.conn, since=self.since, until=self.until, visit_columns=self.visit_columns,
                         supplier_ids=supplier_ids)
        for name in _WHOLE_FRAMES:
            if name in self.__dict__:  # read by a cached_property
                other.__dict__[name] = self.__dict__[name]
        return other

    def window_service_types(self) -> frozenset[str]:
        """The service types (folded labels) of any supplier's visits in the loaded time, even
        when only a group's visits are loaded."""
        if self.supplier_ids is None:
            types = self.visits["service_type"].astype("category").cat.categories
            return frozenset(fold_label(str(t)) for t in types)
        where, params = self._window_sql("registered_start")
        rows = self.conn.exec_driver_sql(f"SELECT DISTINCT service_type FROM visits{where}", self._bind(params))
        return frozenset(fold_label(str(t)) for (t,) in rows if t is not None)

    def window_visit_instants(self) -> np.ndarray:
        """One instant (epoch seconds) in each UTC hour that has any supplier's visit starting in
        the loaded time: enough to tell the local days with visits (Sweden's offsets are whole
        hours), without loading every supplier's visits."""
        if self.supplier_ids is None:
            starts = self.visits["registered_start"].to_numpy(dtype="float64")
            return starts[np.isfinite(starts)]
        where, params = self._window_sql("registered_start")
        hour = ("(julianday(substr(registered_start, 1, 13) || ':00:00') - 2440587.5) * 86400.0"
                if self.dialect == "sqlite" else
                "CAST(extract(epoch from date_trunc('hour', registered_start)) AS double precision)")
        sql = f"SELECT DISTINCT {hour} FROM visits{where}"
        values = [v for (v,) in self.conn.exec_driver_sql(sql, self._bind(params)) if v is not None]
        return np.round(np.array(values, dtype=np.float64), 3)

    @cached_property
    def client_events(self) -> pd.DataFrame:
        """The events that overlap the loaded visits' time (all of them without a window)."""
        start, end = _epoch_sql(self.dialect, "start"), _epoch_sql(self.dialect, '"end"')
        clauses, params = [], {}
        if self.since is not None:
            clauses.append(f'("end" IS NULL OR "end" > {self._placeholder("since")})')
            params["since"] = self.since
        if self.until is not None:
            clauses.append(f"start < {self._placeholder('until')}")
            params["until"] = self.until
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = f"SELECT client_ref, event, {start}, {end} FROM client_events{where}"
        rows = self.conn.exec_driver_sql(sql, self._bind(params)).fetchall()
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
    def observations(self) -> list[Any]:
        """Door observations in which no staff was seen, in time order, within the loaded time
        (a visit may run up to a day into a watch, so the watch may start up to a day late)."""
        from sqlalchemy import select

        from monitor.models import DoorObservation

        o = DoorObservation.__table__.c  # type: ignore[attr-defined]
        query = (
            select(o.observation_id, o.address_key, o.latitude, o.longitude, o.observed_from, o.observed_to)
            .where(o.staff_seen.is_(False))
            .order_by(o.observed_from, o.observation_id)
        )
        if self.since is not None:
            query = query.where(o.observed_to >= self.since)
        if self.until is not None:
            query = query.where(o.observed_from < self.until + timedelta(days=1))
        return list(self.conn.execute(query).all())

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
                wanted = {fold_label(s) for s in service_types}
                # Per category, not per row: a handful of strings instead of a million.
                types = frame["service_type"].astype("category").cat
                hit = np.array([fold_label(str(c)) in wanted for c in types.categories] + [False])
                mask &= hit[types.codes.to_numpy()]
            self._scoped[key] = frame if mask.all() else frame[mask].reset_index(drop=True)
        return self._scoped[key]


class _Pool:
    """Codes for one column's values, in order of first appearance (as pd.factorize gives).

    Each distinct value is kept once, so the frame holds ~20,000 client refs rather than a
    fresh copy per visit; the codes are client_key, staff_key and the categories' codes.
    """

    def __init__(self) -> None:
        self.codes: dict[Any, int] = {}
        self.chunks: list[np.ndarray] = []

    def add(self, values: tuple[Any, ...]) -> None:
        local, uniques = pd.factorize(np.array(values, dtype=object))  # None -> -1
        known = self.codes
        mapping = np.array([known.setdefault(u, len(known)) for u in uniques] + [-1], dtype=np.int64)
        self.chunks.append(mapping[local])

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Codes per row (-1: missing) and the distinct values."""
        if len(self.chunks) != 1:
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.int64)]
        return self.chunks[0], np.array(list(self.codes), dtype=object)


def _fetch_columns(cursor: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The rows of a SELECT of `names`, as one array (or _Pool) per column."""
    floats: dict[str, list[np.ndarray]] = {c: [] for c in _FLOATS if c in names}
    ints: dict[str, list[np.ndarray]] = {c: [] for c in _INTS if c in names}
    visit_ids: list[np.ndarray] = []
    pools = {c: _Pool() for c in _POOLED if c in names}
    while rows := cursor.fetchmany(_FETCH_ROWS):
        for name, values in zip(names, zip(*rows, strict=True), strict=True):
            if name in floats:
                floats[name].append(np.array(values, dtype=np.float64))  # None -> NaN
            elif name in ints:
                ints[name].append(np.array(values, dtype=np.int64))
            elif name in pools:
                pools[name].add(values)
            else:
                visit_ids.append(np.array(values, dtype=object))
        del rows
    arrays: dict[str, Any] = {
        name: np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        for group, dtype in ((floats, np.float64), (ints, np.int64))
        for name, parts in group.items()
    }
    arrays["visit_id"] = np.concatenate(visit_ids) if visit_ids else np.zeros(0, dtype=object)
    arrays.update(pools)
    return arrays


def _strings(codes: np.ndarray, uniques: np.ndarray) -> pd.Series:
    # A missing value's code is -1, which picks the NaN appended last.
    return pd.Series(np.append(uniques, np.nan)[codes], dtype="str")


def _categories(codes: np.ndarray, uniques: np.ndarray) -> pd.Categorical:
    """What .astype("category") makes of the strings: sorted categories, NaN for missing."""
    order = np.argsort(uniques.astype(str), kind="stable")
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    categories = pd.Index(uniques[order], dtype="str")
    return pd.Categorical.from_codes(rank[codes], dtype=pd.CategoricalDtype(categories))


def _visit_order(staff_key: np.ndarray, starts: np.ndarray, ends: np.ndarray, visit_ids: np.ndarray) -> np.ndarray:
    """Row order by (staff_key, registered_start), ties by (registered_end, visit_id): the order
    monitor.findings.sequences walks a staff id's visits in, so it need not reorder them."""
    return time_order(staff_key, starts, ends, visit_ids)


def _visits_frame(arrays: dict[str, Any], names: tuple[str, ...] = _VISIT_COLUMNS) -> pd.DataFrame:
    """The visits frame of the module docstring from the fetched columns (`names`, and the
    derived columns those allow)."""
    for column in _INSTANTS:
        if column not in arrays:
            continue
        # Rounded to the millisecond: julianday arithmetic leaves a few microseconds of noise.
        arrays[column] = np.round(arrays[column], 3)
    staff_codes, staff_ids = arrays["staff_id"].result()
    supplier_ids = arrays["supplier_id"]
    # Codes in order of first appearance, as factorizing the (supplier, staff) pairs would give.
    staff_key = pd.factorize(supplier_ids * (len(staff_ids) + 1) + staff_codes)[0].astype(np.int64)
    order = _visit_order(staff_key, arrays["registered_start"], arrays["registered_end"], arrays["visit_id"])
    columns: dict[str, Any] = {}
    for name in names:
        value = arrays[name]
        if name in _CATEGORIES:
            codes, uniques = value.result()
            columns[name] = _categories(codes[order], uniques)
        elif name in _POOLED:
            codes, uniques = value.result()
            columns[name] = _strings(codes[order], uniques)
        elif name == "visit_id":
            columns[name] = pd.Series(value[order], dtype="str")
        else:
            columns[name] = value[order]
    columns["staff_key"] = staff_key[order]
    if "client_ref" in arrays:
        columns["client_key"] = arrays["client_ref"].result()[0][order]
    if "address_key" in arrays:
        columns["address_code"] = arrays["address_key"].result()[0][order]
    columns["registered_minutes"] = (columns["registered_end"] - columns["registered_start"]) / 60.0
    if "planned_start" in arrays and "planned_end" in arrays:
        columns["planned_minutes"] = (columns["planned_end"] - columns["planned_start"]) / 60.0
    return pd.DataFrame(columns)


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

    def derived(self, name: str, compute: Callable[[pd.DataFrame], T]) -> T:
        """`compute(self.visits())`, worked out once per scope and shared by every rule that asks
        under the same name (the staff detectors all walk the same time-ordered frame)."""
        key = (name, self.supplier_ids, self.service_types)
        cache = self.evidence._derived
        if key not in cache:
            cache[key] = compute(self.visits())
        return cache[key]  # type: ignore[no-any-return]
