"""The inbox: CSV exports dropped in MONITOR_INBOX_DIR are imported, then moved out of the way.

- imported (all rows, or some rejected) -> archive/YYYY-MM/, with FILE.rejected.csv beside it;
- could not be imported at all (unknown name, missing column, not UTF-8) -> failed/ with
  FILE.error.txt saying why;
- a file still being written (its size or time changed since the last look) is left for the
  next run; a file whose bytes were imported before is archived without importing it again.

Nothing is deleted. A problem that is not the file's (the database, a missing key) fails the
job and leaves the file where it is, to be tried again.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from monitor.imports import SPECS, CsvImportError, MappingError, import_csv, load_mapping
from monitor.imports.bounds import TimeBounds
from monitor.jobs.context import JobContext
from monitor.jobs.schedule import KINDS, InboxFile, mapping_path
from monitor.models import ImportBatch
from monitor.pseudonyms import Pseudonymiser
from monitor.timestamps import STOCKHOLM
from monitor.yamlfile import ConfigFileError

logger = logging.getLogger(__name__)
# Left alone: hidden files, partial uploads, and what the inbox itself writes.
IGNORED_SUFFIXES = (".rejected.csv", ".error.txt", ".part", ".tmp", ".partial")


@dataclass(frozen=True)
class InboxEntry:
    path: Path
    rule: InboxFile | None


def inbox_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and not p.name.casefold().endswith(IGNORED_SUFFIXES))


def settled(ctx: JobContext, path: Path, now_seconds: float) -> bool:
    """Whether the file looks finished: unchanged since the last look, or untouched for
    `settle_seconds`."""
    stat = path.stat()
    seen, ctx.inbox_seen[path.name] = ctx.inbox_seen.get(path.name), (stat.st_size, stat.st_mtime_ns)
    return seen == (stat.st_size, stat.st_mtime_ns) or \
        now_seconds - stat.st_mtime >= ctx.schedule.inbox.settle_seconds


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def imported_before(engine: Engine, sha256: str) -> bool:
    b = ImportBatch.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return conn.execute(select(b.id).where(b.sha256 == sha256, b.status.in_(("applied", "partial")))
                            .limit(1)).first() is not None


def import_inbox(ctx: JobContext) -> dict[str, Any]:
    folder = ctx.settings.inbox_dir
    if not folder.is_dir():
        raise FileNotFoundError(f"no inbox folder {folder} (MONITOR_INBOX_DIR): create it or fix the setting")
    counts = {"imported": 0, "failed": 0, "already_imported": 0, "waiting": 0, "rows_changed": 0,
              "rows_rejected": 0}
    entries = [InboxEntry(p, ctx.schedule.inbox.kind_of(p.name)) for p in inbox_files(folder)]
    # Suppliers before staff before visits: a visit needs its supplier registered first.
    entries.sort(key=lambda e: (KINDS.index(e.rule.kind) if e.rule else -1, e.path.name))
    now_seconds = time.time()
    for entry in entries:
        if not settled(ctx, entry.path, now_seconds):
            counts["waiting"] += 1
            continue
        ctx.inbox_seen.pop(entry.path.name, None)
        outcome, changed, rejected = _import_one(ctx, entry)
        counts[outcome] += 1
        counts["rows_changed"] += changed
        counts["rows_rejected"] += rejected
    logger.info("Took in the inbox imported=%d failed=%d already_imported=%d waiting=%d", counts["imported"],
                counts["failed"], counts["already_imported"], counts["waiting"])
    return counts


def _import_one(ctx: JobContext, entry: InboxEntry) -> tuple[str, int, int]:
    """What became of the file (imported, failed, already_imported), rows changed, rows rejected."""
    path, rule = entry.path, entry.rule
    if rule is None:
        _fail(ctx, path, f"{path.name}: no inbox pattern in {ctx.settings.schedule_file} matches this name, "
                         f"and it does not start with a kind ({', '.join(KINDS)})")
        return "failed", 0, 0
    if imported_before(ctx.engine, file_sha256(path)):
        logger.info("Archived a file imported before file=%s", path.name)
        _archive(ctx, path)
        return "already_imported", 0, 0
    spec = SPECS[rule.kind]
    try:
        mapping_file = mapping_path(ctx.schedule, rule)
        mapping = load_mapping(mapping_file, spec.all_columns) if mapping_file else None
        # Files without client ids (suppliers, observations) need no key; for the others a missing,
        # weak or different key raises here and fails the job, leaving the file for the next run.
        pseudonymise = Pseudonymiser(ctx.settings.pseudonym_key_bytes()) if spec.pseudonymises else None
        result = import_csv(
            ctx.engine, spec, path, pseudonymise=pseudonymise,
            mapping=mapping, batch_rows=ctx.settings.import_batch_rows,
            bounds=TimeBounds.from_settings(ctx.settings, ctx.now()),
            index_rebuild_rows=ctx.settings.import_index_rebuild_rows,
        )
    except (CsvImportError, MappingError, ConfigFileError) as exc:
        _fail(ctx, path, str(exc))
        return "failed", 0, 0
    changed = result.rows_changed if result.applied else 0
    logger.info("Imported an inbox file kind=%s file=%s changed=%d rejected=%d", rule.kind, path.name,
                changed, result.rows_rejected)
    _archive(ctx, path, result.rejected_file)
    return "imported", changed, result.rows_rejected


def _unused(target: Path) -> Path:
    """`target`, or `name-2.csv`, `name-3.csv` ...: an archived file is never overwritten."""
    n, candidate = 1, target
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate


def _archive(ctx: JobContext, path: Path, rejected: Path | None = None) -> Path:
    month = ctx.now().astimezone(STOCKHOLM).strftime("%Y-%m")
    folder = ctx.settings.inbox_dir / "archive" / month
    folder.mkdir(parents=True, exist_ok=True)
    target = _unused(folder / path.name)
    shutil.move(path, target)
    if rejected is not None and rejected.exists():
        shutil.move(rejected, target.with_name(target.name + ".rejected.csv"))
    return target


def _fail(ctx: JobContext, path: Path, reason: str) -> None:
    folder = ctx.settings.inbox_dir / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    target = _unused(folder / path.name)
    shutil.move(path, target)
    target.with_name(target.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
    logger.warning("Could not import an inbox file file=%s moved_to=%s", path.name, target)
