"""Engine, sessions and schema upgrades (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=65_536)  # visit exports repeat the same minutes many times
def format_sqlite_utc(value: datetime) -> str:
    """UTC text that sorts chronologically, so SQL comparisons on SQLite stay correct."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.strftime("%Y-%m-%d %H:%M:%S")


@lru_cache(maxsize=65_536)
def format_postgres_utc(value: datetime) -> str:
    """An instant as PostgreSQL reads timestamptz text, in UTC with the offset written out, so
    the session's TimeZone cannot shift it. Bulk imports hand COPY this text: the driver's own
    conversion of an aware datetime costs five times a string's."""
    return value.astimezone(UTC).isoformat(sep=" ")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC.

    PostgreSQL gets TIMESTAMPTZ. SQLite has no such type, so it gets fixed-format UTC text;
    naive datetimes are refused rather than guessed, since a guess here shifts evidence by
    an hour or two.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: object, dialect: Dialect) -> object:
        if value is None:
            return None
        if isinstance(value, str):
            return value  # already formatted by a bulk import path
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"UtcDateTime needs a timezone-aware datetime, got {value!r}")
        if dialect.name == "sqlite":
            return format_sqlite_utc(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: object, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        assert isinstance(value, datetime)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB page cache (default 2 MiB): large imports are bound by index upkeep.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


class DatabaseUnavailable(Exception):
    """The database URL is wrong or the database cannot be reached: one line saying what to do."""


SUPPORTED = "sqlite:///path/to/monitor.db or postgresql://user@host:5432/dbname"
# How long a command waits for another one's write to finish on SQLite before giving up.
SQLITE_BUSY_SECONDS = 30.0


def shown_url(url: str | URL) -> str:
    """The URL as it may be printed: the password redacted."""
    try:
        return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; anything else is a DatabaseUnavailable that
    says what is supported. A SQLite file may be created, its folder never: a mistyped path
    must not quietly start an empty database somewhere."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"not a database URL: {shown_url(url)!r}; use {SUPPORTED}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(f"unsupported database {shown_url(parsed)}: use {SUPPORTED}")
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and parsed.drivername != "postgresql+psycopg":
        raise DatabaseUnavailable(f"unsupported driver in {shown_url(parsed)}: use postgresql:// (psycopg 3)")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise DatabaseUnavailable(f"no folder {folder} for the database {shown_url(parsed)}: "
                                          "check the path, or create the folder first")
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def check_connection(engine: Engine) -> None:
    """Connect once, turning the driver's failure into one line with what to do."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise DatabaseUnavailable(describe_operational_error(exc, engine.url)) from None


def describe_operational_error(exc: OperationalError, url: URL) -> str:
    """A database failure in one line: which database, what went wrong, what to do."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
    where = shown_url(url)
    if "database is locked" in reason:
        return (f"the database {where} is busy: another monitor command has been writing to it for over "
                f"{SQLITE_BUSY_SECONDS:g} s; try again when it has finished")
    if "does not exist" in reason and url.database:
        return f"the database {url.database!r} does not exist on {url.host or 'localhost'}: create it with " \
               f"`createdb {url.database}` (then `monitor init`), or fix the URL ({where})"
    if "Connection refused" in reason or "could not connect" in reason or "connection failed" in reason:
        return f"cannot reach the database server for {where} ({reason}): is PostgreSQL running there?"
    if "password authentication failed" in reason or "authentication" in reason:
        return f"the database server refused the login for {where}: check the user and password"
    if "unable to open database file" in reason:
        return f"cannot open the SQLite file of {where}: check the path and its permissions"
    return f"database error on {where}: {reason}"


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def upgrade_database(engine: Engine) -> bool:
    """Bring the schema to the newest revision. Returns True if anything was applied."""
    before = current_revision(engine)
    if before == head_revision():
        return False
    logger.info("Upgrading database schema from_revision=%s", before)
    command.upgrade(_alembic_config(engine), "head")
    return True
