"""The evidence store.

Client identifiers never appear here in clear: `client_ref` and `relative_of_client_refs`
hold keyed-hash pseudonyms made at import (see pseudonyms.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from monitor.db import UtcDateTime, utcnow

# JSONB on PostgreSQL: plain json has no equality operator, and upserts compare values.
JsonValue = JSON().with_variant(JSONB(), "postgresql")


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_type=UtcDateTime,
        nullable=nullable,
        index=index,
    )


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64, index=True)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    strict: bool = False
    status: str = Field(max_length=16, description="applied | partial | rejected | failed")
    message: str | None = Field(default=None, sa_type=Text)
    started_at: datetime = _created()
    finished_at: datetime | None = _ts(nullable=True)


class Supplier(SQLModel, table=True):
    __tablename__ = "suppliers"

    id: int | None = Field(default=None, primary_key=True)
    org_number: str = Field(max_length=11, unique=True)
    name: str = Field(max_length=300)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    contract_area: str = Field(max_length=100, index=True)
    contract_form: str = Field(max_length=16)
    subcategory: str | None = Field(default=None, max_length=100)
    contract_start: date | None = None
    contract_end: date | None = None
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class Staff(SQLModel, table=True):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("supplier_id", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    staff_id: str = Field(max_length=100)
    relative_of_client_refs: list[str] = Field(
        default_factory=list, sa_column=Column(JsonValue, nullable=False)
    )
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class Visit(SQLModel, table=True):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_supplier_start", "supplier_id", "registered_start"),
        Index("ix_visits_staff_start", "staff_id", "registered_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: str = Field(max_length=100, unique=True)
    supplier_id: int = Field(foreign_key="suppliers.id")
    staff_id: str = Field(max_length=100)
    client_ref: str = Field(max_length=64, index=True)
    address: str = Field(max_length=300)
    address_key: str = Field(max_length=300, index=True)
    latitude: float | None = None
    longitude: float | None = None
    planned_start: datetime | None = _ts(nullable=True)
    planned_end: datetime | None = _ts(nullable=True)
    registered_start: datetime = _ts()
    registered_end: datetime = _ts()
    registration_method: str = Field(max_length=16)
    service_type: str = Field(max_length=100)
    device_id: str | None = Field(default=None, max_length=100)
    recorded_at: datetime | None = _ts(nullable=True)
    decided_minutes: float | None = None
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class DoorObservation(SQLModel, table=True):
    __tablename__ = "door_observations"

    id: int | None = Field(default=None, primary_key=True)
    observation_id: str = Field(max_length=100, unique=True)
    address: str = Field(max_length=300)
    address_key: str = Field(max_length=300, index=True)
    latitude: float | None = None
    longitude: float | None = None
    observed_from: datetime = _ts()
    observed_to: datetime = _ts()
    staff_seen: bool
    observer: str = Field(default="", max_length=200)
    note: str = Field(default="", sa_type=Text)
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class ClientEvent(SQLModel, table=True):
    __tablename__ = "client_events"
    __table_args__ = (UniqueConstraint("client_ref", "event", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    client_ref: str = Field(max_length=64, index=True)
    event: str = Field(max_length=16)
    start: datetime = _ts()
    end: datetime | None = _ts(nullable=True)
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class ScoringRun(SQLModel, table=True):
    __tablename__ = "scoring_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = _created()
    finished_at: datetime | None = _ts(nullable=True)
    findings_total: int = 0
    findings_new: int = 0
    # The instant recency is measured from: the end of the latest visit, so scoring unchanged
    # evidence again gives the same scores whatever day it runs.
    as_of: datetime | None = _ts(nullable=True)


class Finding(SQLModel, table=True):
    """One rule hit. The fingerprint makes re-scoring the same evidence idempotent."""

    __tablename__ = "findings"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)
    rule_id: str = Field(max_length=100, index=True)
    rule_version: str = Field(max_length=16)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    period_start: datetime = _ts()
    period_end: datetime = _ts()
    severity: str = Field(max_length=16)
    title: str = Field(max_length=300)
    strength: float = 1.0
    weight: float = 1.0
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))
    first_seen_run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    last_seen_run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    created_at: datetime = _created()


class SupplierScore(SQLModel, table=True):
    __tablename__ = "supplier_scores"
    __table_args__ = (UniqueConstraint("run_id", "supplier_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="scoring_runs.id", index=True)
    supplier_id: int = Field(foreign_key="suppliers.id")
    score: float
    rank: int
    reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JsonValue, nullable=False)
    )
    # Points from each source (rules, outlier, media) before they are turned into the 0-100 score.
    components: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))


class DigestLog(SQLModel, table=True):
    """One row per digest period, so re-running the weekly job does not mail twice."""

    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=16, unique=True)
    run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    delivered_to: str = Field(default="", sa_type=Text)
    location: str = Field(default="", sa_type=Text)
    created_at: datetime = _created()
