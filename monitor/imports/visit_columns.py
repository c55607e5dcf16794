"""Visits parsed a batch at a time, column by column (see columns.py): the import's fast path.

Produces exactly the records visits.parse_visit does, in the form the database stores them;
any row it is not sure of (a bad value, a clock-change hour with two readings, an end before its
start) is left to parse_visit, which tells what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from monitor.addresses import address_key
from monitor.imports.columns import MEMO_LIMIT, UNSURE, ParsedColumns, by_value, stripped_required
from monitor.imports.fields import (
    SWEDEN_LAT,
    SWEDEN_LON,
    RowErrors,
    choice,
    decimal,
    instant_within,
    non_negative,
    required,
)
from monitor.registrations import REGISTRATION_METHODS
from monitor.timestamps import instant_candidates

if TYPE_CHECKING:
    from monitor.imports.runner import ImportContext

# Shared with the row parser (visits.py).
registration_method = choice(REGISTRATION_METHODS)


def parse_visit_columns(raw: dict[str, Sequence[str]], ctx: ImportContext, parsed: ParsedColumns) -> None:
    n = parsed.size
    nothing: list[Any] = [None] * n
    memo = ctx.memos
    address = stripped_required(raw["address"], parsed)
    latitude, longitude = _coordinates(raw["latitude"], raw["longitude"], parsed, memo["coordinate"])
    planned_start, planned_end = _interval(raw["planned_start"], raw["planned_end"], ctx, parsed, optional=True)
    registered_start, registered_end = _interval(raw["registered_start"], raw["registered_end"], ctx, parsed)
    recorded = instant_within(ctx.bounds)
    parsed.columns.update({
        "visit_id": stripped_required(raw["visit_id"], parsed),
        "supplier_id": by_value(raw["supplier_org_number"], lambda text: _supplier(ctx, text), parsed,
                                memo["supplier"]),
        "staff_id": by_value(raw["staff_id"], required, parsed, memo["staff"]),
        "client_ref": by_value(raw["client_id"], lambda text: _client(ctx, text), parsed, memo["client"]),
        "address": address,
        "address_key": by_value(address, lambda text: address_key(text) if text else None, parsed,
                                memo["address"]),
        "latitude": latitude,
        "longitude": longitude,
        "planned_start": planned_start,
        "planned_end": planned_end,
        "registered_start": registered_start,
        "registered_end": registered_end,
        "registration_method": by_value(raw["registration_method"], registration_method, parsed,
                                        memo["method"]),
        "service_type": by_value(raw["service_type"], required, parsed, memo["service"]),
        "device_id": by_value(raw["device_id"], lambda text: text.strip() or None, parsed, memo["device"])
        if "device_id" in raw else nothing,
        "recorded_at": by_value(raw["recorded_at"], lambda text: _stored(ctx, recorded(text)), parsed,
                                memo["recorded"])
        if "recorded_at" in raw else nothing,
        "decided_minutes": by_value(raw["decided_minutes"], non_negative, parsed, memo["decided"])
        if "decided_minutes" in raw else nothing,
    })


def _supplier(ctx: ImportContext, text: str) -> Any:
    errors = RowErrors()
    supplier = ctx.supplier_id(errors, text)
    return UNSURE if errors.errors else supplier


def _client(ctx: ImportContext, text: str) -> Any:
    return ctx.pseudonymise(text) if text.strip() else UNSURE


def _stored(ctx: ImportContext, instant: Any) -> Any:
    return None if instant is None else ctx.stored_instant(instant)


def _coordinates(
    lat_texts: Sequence[str], lon_texts: Sequence[str], parsed: ParsedColumns, memo: dict[str, Any]
) -> tuple[list[Any], list[Any]]:
    """fields.coordinates over columns: both empty, or both inside Sweden; anything else is unsure."""
    lat = by_value(lat_texts, decimal, parsed, memo)
    lon = by_value(lon_texts, decimal, parsed, memo)
    lat_a, lon_a = _as_floats(lat), _as_floats(lon)
    with np.errstate(invalid="ignore"):
        inside = ((lat_a >= SWEDEN_LAT[0]) & (lat_a <= SWEDEN_LAT[1])
                  & (lon_a >= SWEDEN_LON[0]) & (lon_a <= SWEDEN_LON[1]))
    both_empty = np.isnan(lat_a) & np.isnan(lon_a)
    parsed.mark(~(inside | both_empty))
    return lat, lon


def _as_floats(values: list[Any]) -> np.ndarray:
    """None (an empty text) becomes NaN, and so does UNSURE, whose rows are marked already."""
    try:
        return np.array(values, dtype=np.float64)
    except TypeError:  # an UNSURE among them
        return np.fromiter((v if type(v) is float else np.nan for v in values), dtype=np.float64, count=len(values))


def _interval(
    starts: Sequence[str], ends: Sequence[str], ctx: ImportContext, parsed: ParsedColumns,
    optional: bool = False,
) -> tuple[list[Any], list[Any]]:
    """fields.interval over columns, for the plain case: each end one reading inside the bounds,
    the end not before the start (or, if optional, both empty)."""
    start_stored, start_at = _instants(starts, ctx, parsed, optional)
    end_stored, end_at = _instants(ends, ctx, parsed, optional)
    start_empty, end_empty = np.isnan(start_at), np.isnan(end_at)
    with np.errstate(invalid="ignore"):
        parsed.mark((start_empty != end_empty) | (end_at < start_at))
    return start_stored, end_stored


def _instants(
    texts: Sequence[str], ctx: ImportContext, parsed: ParsedColumns, optional: bool
) -> tuple[list[Any], np.ndarray]:
    """Stored values and epoch seconds (NaN when empty or unsure). Each distinct text is parsed
    once in the whole import (the readings are shared by the four time columns); what an empty
    text means depends on whether the column is optional, so each kind has its own look-ups."""
    readings = ctx.memos["instant"]  # text -> (stored, seconds), or () for an empty text
    seconds = ctx.memos[f"instant-seconds-{optional}"]
    empty = (None if optional else UNSURE, np.nan)

    def stored(text: str) -> Any:
        seconds[text] = np.nan  # kept if the parse raises, which makes the value UNSURE
        if len(readings) > MEMO_LIMIT:
            readings.clear()
        pair = readings.get(text)
        if pair is None:
            pair = readings[text] = _instant(text.strip(), ctx)
        value, seconds[text] = pair or empty
        return value

    values_memo = ctx.memos[f"instant-stored-{optional}"]
    if len(values_memo) > MEMO_LIMIT:
        seconds.clear()  # with the values, so every value looked up has its seconds
    values = values_memo.lookup(texts, stored, parsed)
    return values, np.fromiter(map(seconds.__getitem__, texts), dtype=np.float64, count=len(texts))


def _instant(text: str, ctx: ImportContext) -> tuple[Any, float] | tuple[()]:
    if not text:
        return ()  # empty: what it means depends on the column
    try:
        readings = instant_candidates(text)
    except ValueError:
        return UNSURE, np.nan
    # Two readings (the autumn hour) are resolved against the other end, row by row.
    if len(readings) != 1 or ctx.bounds.problem(readings[0], text):
        return UNSURE, np.nan
    return ctx.stored_instant(readings[0]), readings[0].timestamp()
