"""The evidence store.

Client identifiers never appear here in clear: `client_ref` and `relative_of_client_refs`
hold keyed-hash pseudonyms made at import (see pseudonyms.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, LargeBinary, Text, Unicode, UniqueConstraint, false
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
    # The municipality ended the contract early for cause ("hävt avtal"): the board_churn rule
    # looks for the same people on the boards of other suppliers.
    contract_cancelled: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
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
        # Every index is a query's (migration 0014): a window of weeks by start, for everyone or
        # for a group of suppliers; by visit id (unique); by client (a key rotation).
        Index("ix_visits_supplier_start", "supplier_id", "registered_start"),
        Index("ix_visits_registered_start", "registered_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: str = Field(max_length=100, unique=True)
    supplier_id: int = Field(foreign_key="suppliers.id")
    staff_id: str = Field(max_length=100)
    client_ref: str = Field(max_length=64, index=True)
    address: str = Field(max_length=300)
    address_key: str = Field(max_length=300)
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
    # The instant recency is measured from: the end of the latest visit in the window (never
    # after the run's own clock), so scoring unchanged evidence again gives the same scores.
    as_of: datetime | None = _ts(nullable=True)
    # The weeks the run judged; the rules also read some time before, as each needs.
    window_start: datetime | None = _ts(nullable=True)
    window_end: datetime | None = _ts(nullable=True)
    # A past window asked for with --since/--until: history, never "the latest" ranking.
    backfill: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class RunFinding(SQLModel, table=True):
    """The findings a scoring run reproduced: what its scores are made of, whatever runs came after."""

    __tablename__ = "run_findings"

    run_id: int = Field(foreign_key="scoring_runs.id", primary_key=True)
    finding_id: int = Field(foreign_key="findings.id", primary_key=True, index=True)


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
    """One row per digest period, claimed before anything is sent, so two processes, a retry or
    a restart never mail the team twice (see monitor.alerting.claims).

    status: claimed (someone is preparing it), sending (the message is being handed to the mail
    server), sent, failed (nothing was accepted: the next run tries again), uncertain (the line
    dropped after the message was handed over: it may have arrived; never retried by itself),
    skipped (nothing new and MONITOR_DIGEST_ONLY_WHEN_NEW: no email, and not tried again that week)."""

    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=16, unique=True)
    run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    delivered_to: str = Field(default="", sa_type=Text)
    location: str = Field(default="", sa_type=Text)
    created_at: datetime = _created()
    status: str = Field(default="sent", max_length=16, sa_column_kwargs={"server_default": "sent"})
    claim_token: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    message_id: str | None = Field(default=None, sa_type=Text)
    error: str | None = Field(default=None, sa_type=Text)


class Feed(SQLModel, table=True):
    """A media feed, synced from feeds.yaml by name, with its fetch state and health.

    Failures are stored here rather than dropping the feed: `monitor feeds status` shows why
    a feed is unhealthy or disabled."""

    __tablename__ = "feeds"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)
    url: str = Field(sa_type=Text)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    enabled: bool = Field(default=True, description="As in feeds.yaml; false also when no longer listed.")
    interval_minutes: int = 60
    ignore_cache_headers: bool = False
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, max_length=100)
    last_checked_at: datetime | None = _ts(nullable=True)
    last_success_at: datetime | None = _ts(nullable=True)
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    last_error_at: datetime | None = _ts(nullable=True)
    error_weight: float = 0.0
    consecutive_failures: int = 0
    next_check_at: datetime | None = _ts(nullable=True, index=True)
    healthy: bool = True
    disabled_reason: str | None = Field(default=None, max_length=300)
    entries_seen: int = Field(default=0, description="Entries in the last successfully parsed document.")
    # Where a permanent redirect (301/308) led, so `feeds status` can ask for feeds.yaml to be updated.
    moved_to: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _created()


class Article(SQLModel, table=True):
    """One news item, however many feeds carried it. Text is plain (markup stripped at intake).

    `story_id` groups articles that tell the same story (same URL or near-identical title within
    a few days): it is the id of the story's first article."""

    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=64, unique=True, description="sha256 of the entry's identity.")
    url: str | None = Field(default=None, sa_type=Text)
    normalised_url: str | None = Field(default=None, sa_type=Text)
    url_key: str | None = Field(default=None, max_length=64, index=True, description="sha256 of normalised_url.")
    title: str = Field(default="", max_length=1000)
    title_key: str = Field(default="", max_length=500, index=True)
    summary: str = Field(default="", sa_type=Text)
    content_hash: str = Field(max_length=64)
    published_at: datetime | None = _ts(nullable=True, index=True)
    first_seen_at: datetime = _created()
    updated_at: datetime = _created()
    story_id: int | None = Field(default=None, foreign_key="articles.id", index=True)
    # The supplier register and media.yaml the article was last matched against (a hash): an
    # article is matched when new, and again only when one of them changed.
    matched_with: str | None = Field(default=None, max_length=64, index=True)


class ArticleSource(SQLModel, table=True):
    """An article as seen in one feed; the same entry in a feed again is this row, not a new one."""

    __tablename__ = "article_sources"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", index=True)
    feed_id: int = Field(foreign_key="feeds.id", index=True)
    entry_key: str = Field(max_length=64, description="sha256 of the entry's identity within this feed.")
    guid: str | None = Field(default=None, sa_type=Text)
    link: str | None = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64, description="Of the entry as this feed last carried it.")
    first_seen_at: datetime = _created()
    last_seen_at: datetime = _created()


class ArticleMatch(SQLModel, table=True):
    """An article that names a supplier, with how sure the match is and what it says about them.

    Re-made on every `monitor score` (the supplier register and media.yaml may have changed),
    except `ignored`, which the team sets with `monitor media ignore` and which stays."""

    __tablename__ = "article_matches"
    __table_args__ = (UniqueConstraint("article_id", "supplier_id"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", index=True)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    reason: str = Field(max_length=32, description="exact_name, legal_name, alias, genitive, org_number, compound")
    confidence: float
    surface: str = Field(default="", max_length=300)
    risk: float = 0.0
    keywords: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    praise: bool = False
    matched_at: datetime = _created()
    ignored: bool = False
    ignore_reason: str | None = Field(default=None, sa_type=Text)
    ignored_at: datetime | None = _ts(nullable=True)


class Lease(SQLModel, table=True):
    """Who may run a job now (see monitor.jobs.leases): one row per job while it runs."""

    __tablename__ = "leases"

    name: str = Field(max_length=64, primary_key=True)
    holder: str = Field(max_length=200)
    acquired_at: datetime = _ts()
    expires_at: datetime = _ts()


class MetaValue(SQLModel, table=True):
    """Facts about the database itself, one row per name (e.g. the pseudonym key's check
    value), so every process using the database agrees on them."""

    __tablename__ = "meta"

    name: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=1000)
    updated_at: datetime = _ts()


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (`monitor run`, `monitor jobs run`): the service's history.

    status: running, ok, failed (the error is kept), skipped (another process held the job's
    lease), interrupted (stopped at shutdown, or its process died; its work was rolled back)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    holder: str = Field(max_length=200, description="host:pid of the process that ran it.")
    trigger: str = Field(default="schedule", max_length=16, description="schedule | manual | event")
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    status: str = Field(max_length=16, index=True)
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))
    error: str | None = Field(default=None, sa_type=Text)


class Purge(SQLModel, table=True):
    """What the retention job removed: which rows, older than what, how many."""

    __tablename__ = "purges"

    id: int | None = Field(default=None, primary_key=True)
    job_run_id: int | None = Field(default=None, foreign_key="job_runs.id")
    what: str = Field(max_length=64, description="e.g. visits (rows with their addresses and coordinates)")
    older_than: datetime = _ts()
    rows_removed: int = 0
    purged_at: datetime = _created()


class SchedulerJob(SQLModel, table=True):
    """APScheduler's job store (SQLAlchemyJobStore, table name `scheduler_jobs`): the next run
    of each scheduled job, so a run missed while the service was down is caught up on start.
    Declared here so the migrations, not APScheduler, create it."""

    __tablename__ = "scheduler_jobs"

    id: str = Field(sa_column=Column(Unicode(191), primary_key=True))
    next_run_time: float | None = Field(default=None, sa_column=Column(Float(25), index=True))
    job_state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Alert(SQLModel, table=True):
    """A case: one per supplier, opened when its score first passes alerts.threshold
    (rules/scoring.yaml) and kept through its lifecycle (see monitor.alerts.lifecycle).

    state: ny, under_granskning, eskalerad, bekraftad, avskriven. A snooze is not a state: an
    open alert with `snoozed_until` in the future is snoozed."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="suppliers.id", unique=True)
    state: str = Field(max_length=32, index=True)
    score: float
    # The supplier's reasons in the latest regular scoring run (as in supplier_scores.reasons).
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    opened_at: datetime = _ts()
    opened_run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    last_run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    assignee: str | None = Field(default=None, max_length=200)
    snoozed_until: datetime | None = _ts(nullable=True)
    snoozed_at: datetime | None = _ts(nullable=True)
    snooze_reason: str | None = Field(default=None, sa_type=Text)
    snoozed_by: str | None = Field(default=None, max_length=200)
    # The score when snoozed: it wakes early when the score rises by alerts.wake_score_rise.
    snooze_score: float | None = None
    # The latest scoring run the alert had seen when snoozed: a high or critical finding first
    # seen in a later run wakes it.
    snooze_run_id: int | None = Field(default=None, foreign_key="scoring_runs.id")
    dismiss_reason: str | None = Field(default=None, max_length=64)
    dismiss_text: str | None = Field(default=None, sa_type=Text)
    # What the alert stood on when dismissed: it re-opens only on evidence of another kind
    # (a rule or source not among these) or a score higher by alerts.reopen_score_rise.
    dismissed_score: float | None = None
    dismissed_kinds: list[str] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    changed_at: datetime = _ts()
    changed_by: str = Field(max_length=200)


class AlertEvent(SQLModel, table=True):
    """One change to an alert, never changed or removed (a trigger refuses it): who, when, what."""

    __tablename__ = "alert_events"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    actor: str = Field(max_length=200)
    at: datetime = _ts()
    action: str = Field(max_length=32)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonValue, nullable=False))
    reason: str | None = Field(default=None, sa_type=Text)


class AlertNote(SQLModel, table=True):
    __tablename__ = "alert_notes"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    author: str = Field(max_length=200)
    at: datetime = _ts()
    text: str = Field(sa_type=Text)


class AuditEntry(SQLModel, table=True):
    """Who did or saw what, when: every alert change, note and view of evidence. Append-only:
    the application has no way to change a row, and a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=100)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonValue, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonValue, nullable=True))


class User(SQLModel, table=True):
    """A person who may use the web UI or the API (see monitor.web.accounts). Only hashes are
    kept: the password's (argon2) and the API token's (SHA-256; a token is random, so a fast hash
    is enough)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16, description="viewer | analyst | admin")
    password_hash: str = Field(max_length=200)
    disabled: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = _created()
    password_changed_at: datetime = _ts()
    token_created_at: datetime | None = _ts(nullable=True)


class WebSession(SQLModel, table=True):
    """A login: the cookie carries the signed key, the table its hash, so logging out, a new
    password or disabling the user ends it on the server too."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _ts()
    expires_at: datetime = _ts(index=True)

class RegistrySnapshot(SQLModel, table=True):
    """Company facts about one org number on one date, as a credit-information service or the
    company register exported them. Each import is a dated snapshot: comparing snapshots shows a
    lapsed registration, new payment remarks or a replaced board. Board members and signatories
    are people: only their keyed-hash pseudonyms are stored, so the same person joins across
    companies without the database holding who they are."""

    __tablename__ = "registry_snapshots"
    __table_args__ = (UniqueConstraint("org_number", "snapshot_date"),)

    id: int | None = Field(default=None, primary_key=True)
    org_number: str = Field(max_length=11, index=True)
    snapshot_date: date
    name: str | None = Field(default=None, max_length=300)
    f_tax: bool | None = None
    vat: bool | None = None
    employer: bool | None = None
    payment_remarks: int | None = None
    payment_remarks_amount: float | None = None
    credit_rating: str | None = Field(default=None, max_length=16)
    company_status: str | None = Field(default=None, max_length=32)
    registration_date: date | None = None
    board_refs: list[str] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    signatory_refs: list[str] = Field(default_factory=list, sa_column=Column(JsonValue, nullable=False))
    auditor: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class Permit(SQLModel, table=True):
    """One IVO permit of one unit as IVO's register showed it on `snapshot_date`, with the latest
    decision that criticised the unit, if any."""

    __tablename__ = "permits"
    __table_args__ = (UniqueConstraint("org_number", "unit", "permit_type", "snapshot_date"),)

    id: int | None = Field(default=None, primary_key=True)
    org_number: str = Field(max_length=11, index=True)
    unit: str = Field(max_length=300)
    permit_type: str = Field(max_length=100)
    decision_date: date
    status: str = Field(max_length=16, description="valid | revoked | expired")
    snapshot_date: date
    criticism_date: date | None = None
    criticism_area: str | None = Field(default=None, max_length=100)
    criticism: str | None = Field(default=None, sa_type=Text)
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")


class Invoice(SQLModel, table=True):
    """One invoice line: what a supplier billed for one service in one month. A credit note is a
    line with negative amounts, so the month's sums are what was finally billed. The org number
    need not be in the supplier register: spend with suppliers outside it is what the
    purchases_outside_contract rule and the digest's monthly figure are about."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("org_number", "invoice_id", "service_type", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: str = Field(max_length=100)
    org_number: str = Field(max_length=11, index=True)
    period: date = Field(description="The first day of the month billed for.")
    service_type: str = Field(max_length=100)
    hours: float | None = None
    units: float | None = None
    amount: float
    contract_price: float | None = None
    invoice_date: date
    contract_area: str | None = Field(default=None, max_length=100)
    import_batch_id: int | None = Field(default=None, foreign_key="import_batches.id")
