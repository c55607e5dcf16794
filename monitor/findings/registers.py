"""Register snapshots as the register detectors read them: each supplier's contract, and its
company facts and IVO permits snapshot by snapshot, oldest first.

Registers are small (a few hundred companies, a snapshot a month), so plain rows are enough;
they are read once per scoring run and shared by every rule that asks. A finding over
snapshots runs from the local midnight of the first snapshot it compares to the end of the
day of the last, and names both dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from monitor.findings.evidence import RuleContext
from monitor.labels import fold_label
from monitor.models import Permit, RegistrySnapshot, Supplier
from monitor.timestamps import day_start


@dataclass(frozen=True)
class Contract:
    supplier_id: int
    org_number: str
    name: str
    area: str
    start: date | None
    end: date | None
    cancelled: bool

    def runs_on(self, day: date) -> bool:
        """Whether the contract was in force on `day` (open ends run on)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, first: date, last: date) -> bool:
        """Whether the contract was in force on any day from `first` to `last`."""
        return (self.start is None or self.start <= last) and (self.end is None or first <= self.end)


def days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """A finding's period from the start of `first` to the end of `last` (local days)."""
    return day_start(first), day_start(last + timedelta(days=1))


def all_contracts(ctx: RuleContext) -> dict[str, Contract]:
    """Every supplier in the register by org number, whatever the rule's scope."""

    def load() -> dict[str, Contract]:
        s = Supplier.__table__.c  # type: ignore[attr-defined]
        rows = ctx.conn.execute(select(s.id, s.org_number, s.name, s.contract_area, s.contract_start,
                                       s.contract_end, s.contract_cancelled))
        return {r.org_number: Contract(r.id, r.org_number, r.name, r.contract_area, r.contract_start,
                                       r.contract_end, bool(r.contract_cancelled)) for r in rows}

    return _shared(ctx, "contracts", load)


def contracts_in_scope(ctx: RuleContext) -> list[Contract]:
    """The suppliers the rule judges, in org number order."""
    return sorted((c for c in all_contracts(ctx).values()
                   if ctx.supplier_ids is None or c.supplier_id in ctx.supplier_ids),
                  key=lambda c: c.org_number)


def registry_history(ctx: RuleContext) -> dict[str, list[Any]]:
    """Company-facts snapshots per org number, oldest first."""

    def load() -> dict[str, list[Any]]:
        r = RegistrySnapshot.__table__.c  # type: ignore[attr-defined]
        history: dict[str, list[Any]] = defaultdict(list)
        for row in ctx.conn.execute(select(r).order_by(r.org_number, r.snapshot_date)):
            history[row.org_number].append(row)
        return dict(history)

    return _shared(ctx, "registry_history", load)


def permit_snapshots(ctx: RuleContext) -> dict[date, dict[str, list[Any]]]:
    """IVO permit rows per snapshot date (oldest first), then per org number."""

    def load() -> dict[date, dict[str, list[Any]]]:
        p = Permit.__table__.c  # type: ignore[attr-defined]
        snapshots: dict[date, dict[str, list[Any]]] = {}
        for row in ctx.conn.execute(select(p).order_by(p.snapshot_date, p.org_number, p.unit, p.permit_type)):
            snapshots.setdefault(row.snapshot_date, {}).setdefault(row.org_number, []).append(row)
        return snapshots

    return _shared(ctx, "permit_snapshots", load)


def people(snapshot: Any) -> frozenset[str]:
    """The pseudonyms of a snapshot's board members and signatories (one person may be both)."""
    return frozenset(snapshot.board_refs or ()) | frozenset(snapshot.signatory_refs or ())


def folded(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(fold_label(label) for label in labels)


def _shared(ctx: RuleContext, name: str, load: Any) -> Any:
    # Per scoring run: every register rule reads the same rows.
    cache = ctx.evidence._derived
    key = ("registers", name)
    if key not in cache:
        cache[key] = load()
    return cache[key]
