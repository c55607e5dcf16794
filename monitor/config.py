"""Deployment settings from MONITOR_* environment variables.

Domain configuration (rules/, feeds.yaml, alerts/) is data in git and is loaded by the
stage that uses it; this module only knows where it lives.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.keycheck import check_key_strength

ENV_PREFIX = "MONITOR_"
# A checkout keeps rules/, alerts/ and feeds.yaml beside the package; used when the
# configured relative path does not exist in the working directory.
PROJECT_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A configuration problem, reported to the user as one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(
        "sqlite:///monitor.db",
        description="SQLAlchemy database URL; SQLite file or postgresql://...",
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        description="Secret key for the keyed hash (HMAC-SHA256) that replaces client ids.",
    )
    feeds_file: Path = Field(Path("feeds.yaml"), description="The media feeds file.")
    feeds_allow_private_networks: bool = Field(
        False,
        description="Let every feed reach loopback, private and link-local addresses "
        "(otherwise only feeds with allow_private_network: true may).",
    )
    rules_dir: Path = Field(Path("rules"), description="Folder of YAML rule files.")
    templates_dir: Path = Field(Path("alerts"), description="Folder of email templates.")
    outbox_dir: Path = Field(
        Path("outbox"), description="Where emails are written as .eml when no SMTP host is set."
    )
    smtp_host: str | None = Field(None, description="SMTP server; unset means write to outbox.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_user: str | None = Field(None, description="SMTP user name, if the server needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_timeout_seconds: float = Field(30.0, description="SMTP connect and command timeout.")
    mail_from: str = Field("monitor@localhost", description="Sender address of emails.")
    digest_recipients: str = Field(
        "", description="Comma-separated addresses of the follow-up team."
    )
    digest_claim_timeout_minutes: float = Field(
        30.0, gt=0,
        description="A digest claimed this long ago by a process that never finished is taken over by the next run.",
    )
    digest_only_when_new: bool = Field(
        False, description="Send the weekly digest only when an alert is new, rising or woken from snooze.",
    )
    base_url: str | None = Field(
        None, description="Address of the monitor UI (https://monitor.kommun.example); the digest links to "
                          "each supplier's page there.",
    )
    language: Literal["sv", "en"] = Field("sv", description="Language of emails and output.")
    log_format: Literal["text", "json"] = Field("text", description="Log line format.")
    log_level: str = Field("WARNING", description="Logging level (services usually want INFO).")
    import_batch_rows: int = Field(
        20_000, ge=100, description="Rows per bulk insert during CSV import."
    )
    import_index_rebuild_rows: int = Field(
        50_000, ge=0,
        description="An import that writes more rows than this, and more than the table held, drops the "
                    "table's secondary indexes (on PostgreSQL also its foreign keys) and builds them again "
                    "before it commits (faster for big loads; PostgreSQL readers of the table wait "
                    "meanwhile); 0: never.",
    )
    scoring_group_visits: int = Field(
        2_000_000, ge=0,
        description="A scoring run whose window holds more visits than this judges the suppliers in groups "
                    "of about this many visits, one group in memory at a time; 0: all at once.",
    )
    import_earliest_date: date = Field(
        date(2000, 1, 1),
        description="Imports reject registered times before this date (local midnight) as mistyped.",
    )
    import_max_future_hours: int = Field(
        24,
        ge=0,
        description="Imports reject registered times more than this many hours after the import runs.",
    )

    schedule_file: Path = Field(Path("schedule.yaml"), description="When `monitor run` runs which job.")
    inbox_dir: Path = Field(Path("inbox"), description="Folder `monitor run` imports dropped CSV files from; "
                            "archive/ and failed/ are made inside it.")
    http_host: str = Field("127.0.0.1", description="Address `monitor run` serves health and status on "
                           "(0.0.0.0 in the container).")
    http_port: int = Field(8080, ge=0, le=65535, description="Port of `monitor run`'s HTTP server.")
    shutdown_grace_seconds: float = Field(
        30.0, ge=0, description="On SIGTERM, how long a running job may finish before it is rolled back.")
    retention_months: int = Field(
        24, ge=1, description="Visits (with their addresses and coordinates) older than this are removed.")
    web_secret_key: SecretStr | None = Field(
        None, description="Key that signs the web UI's session cookies, at least 32 characters; unset, a random "
                          "key per process (everyone is logged out at restart).")
    web_session_minutes: int = Field(
        480, ge=5, description="A web session ends this many minutes after login (then log in again).")
    web_login_attempts: int = Field(
        5, ge=1, description="Failed logins allowed per account within web_login_window_minutes; an address "
                             "gets four times as many.")
    web_login_window_minutes: int = Field(
        15, ge=1, description="The window over which failed logins are counted.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() reads the environment it is given, so tests can pass a dict
        # instead of patching os.environ.
        return (init_settings,)

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in self.digest_recipients.split(",") if a.strip()]

    def pseudonym_key_bytes(self, *, allow_weak: bool = False) -> bytes:
        """The key; refused when missing, or weak unless `allow_weak` (only to rotate away from it)."""
        if self.pseudonym_key is None or not self.pseudonym_key.get_secret_value():
            raise ConfigError(
                "No pseudonymisation key: set MONITOR_PSEUDONYM_KEY or MONITOR_PSEUDONYM_KEY_FILE "
                "(client ids are replaced by a keyed hash at import and cannot be stored without one)"
            )
        key = self.pseudonym_key.get_secret_value().encode("utf-8")
        if not allow_weak:
            check_key_strength(key, "MONITOR_PSEUDONYM_KEY")
        return key

    def resolved(self, name: Literal["feeds_file", "rules_dir", "templates_dir", "schedule_file"]) -> Path:
        path: Path = getattr(self, name)
        if not path.is_absolute() and not path.exists() and (PROJECT_DIR / path).exists():
            return PROJECT_DIR / path
        return path

    def redacted(self) -> dict[str, str]:
        """Every setting as text, secrets shown as <redacted>."""
        out = {}
        for name, value in self:
            if isinstance(value, SecretStr):
                shown = "<redacted>" if value.get_secret_value() else ""
            else:
                shown = "" if value is None else str(value)
            out[ENV_PREFIX + name.upper()] = shown
        try:
            out[ENV_PREFIX + "DATABASE_URL"] = make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:
            out[ENV_PREFIX + "DATABASE_URL"] = "<unparseable URL redacted>"
        return out


SECRET_FIELDS = ("pseudonym_key", "smtp_password", "web_secret_key")


def env_name(setting: str) -> str:
    """The environment variable of a setting, for messages that tell the user what to change."""
    return ENV_PREFIX + setting.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from an environment mapping; `overrides` (CLI options) win.

    Each secret may instead be read from a file named by MONITOR_<NAME>_FILE, so it can
    come from a Docker/Kubernetes secret rather than the environment.
    """
    environ = os.environ if environ is None else environ
    fields = Settings.model_fields
    values: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in fields:
            values[name] = raw
    for name in SECRET_FIELDS:
        file_var = f"{ENV_PREFIX}{name.upper()}_FILE"
        if file_var in environ and name not in values:
            try:
                values[name] = Path(environ[file_var]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{file_var}: cannot read {environ[file_var]}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ENV_PREFIX + str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise ConfigError(f"{name}: {err['msg']}") from exc
