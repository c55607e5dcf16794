"""`monitor rekey`: move the database to a new pseudonym key, deliberately."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from monitor.cli.common import console, progress_bar, state_of, translator, user_errors
from monitor.config import ConfigError
from monitor.imports import SPECS, load_mapping
from monitor.imports.rekey import read_client_ids, rotate_pseudonyms
from monitor.keycheck import PseudonymKeyError, check_key_strength, stored_key_check
from monitor.pseudonyms import Pseudonymiser
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "progress": "Byter nyckel",
        "done": "Bytte till den nya nyckeln för {pseudonyms:brukarpseudonym|brukarpseudonymer} "
                "([och: {visits:besök|besök} ;; {events:brukarhändelse|brukarhändelser} ;; "
                "{staff:personalrad|personalrader}]). Sätt nu MONITOR_PSEUDONYM_KEY (eller "
                "MONITOR_PSEUDONYM_KEY_FILE) till den nya nyckeln: inläsningar vägrar den gamla.",
    },
    en={
        "progress": "Rekeying",
        "done": "Rotated {pseudonyms:client pseudonym|client pseudonyms} "
                "([and: {visits:visit|visits} ;; {events:client event|client events} ;; "
                "{staff:staff row|staff rows}]) to the new key. Now set MONITOR_PSEUDONYM_KEY "
                "(or MONITOR_PSEUDONYM_KEY_FILE) to the new key: imports refuse the old one.",
    },
)


@user_errors
def rekey(
    ctx: typer.Context,
    new_key_file: Annotated[Path, typer.Option(help="File holding the new key (at least 16 bytes).")],
    client_ids: Annotated[
        list[Path] | None,
        typer.Option("--client-ids", metavar="FILE",
                     help="An export with client ids (visits, client events, staff lists); repeat for each "
                          "file. Together they must name every client stored."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML mapping, if the files' client id columns have other names.")
    ] = None,
    encoding: Annotated[str, typer.Option(help="File encoding, if not UTF-8.")] = "utf-8-sig",
) -> None:
    """Rotate the pseudonym key: the current key (MONITOR_PSEUDONYM_KEY) and the client ids in the
    exports give each stored pseudonym its new value, all rewritten in one transaction.

    If any stored pseudonym has no client id in the files, nothing changes (exit code 2).
    Afterwards set MONITOR_PSEUDONYM_KEY (or _FILE) to the new key."""
    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    # The current key may be a weak one: moving away from it is what this command is for.
    old = Pseudonymiser(state.settings.pseudonym_key_bytes(allow_weak=True))
    new = Pseudonymiser(_read_new_key(new_key_file))
    engine = state.engine(create=False)
    with engine.connect() as conn:
        stored = stored_key_check(conn)
    # Fail before reading large exports; the rotation checks again under its lock.
    if stored is not None and stored != old.key_check:
        raise PseudonymKeyError("MONITOR_PSEUDONYM_KEY is not the key this database was built with: nothing "
                                "changed. Set it to the current key and give the new one with --new-key-file")
    column_mapping = (load_mapping(mapping, set().union(*(s.all_columns for s in SPECS.values())))
                      if mapping else None)
    ids = read_client_ids(client_ids or [], column_mapping, encoding)
    with progress_bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()) as progress:
        task = progress.add_task(t("progress"), total=None)
        result = rotate_pseudonyms(
            engine, old, new, ids,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(t("done", pseudonyms=result.pseudonyms, visits=result.visits, events=result.client_events,
                    staff=result.staff), highlight=False, markup=False)


def _read_new_key(path: Path) -> bytes:
    try:
        key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--new-key-file: cannot read {path}: {exc}") from exc
    if not key:
        raise PseudonymKeyError(f"--new-key-file {path} is empty")
    check_key_strength(key, f"the new key in {path}")
    return key
