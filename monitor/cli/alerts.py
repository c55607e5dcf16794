"""`monitor alerts ...`: the cases the follow-up team works on, and every step they take.

The commands are thin: the work is in monitor.alerts, which the web UI uses too."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import (
    DATE_FORMATS,
    OutputFormat,
    console,
    print_table,
    state_of,
    translator,
    user_errors,
)
from monitor.csvoutput import CsvWriter
from monitor.texts import Texts
from monitor.timestamps import STOCKHOLM, local_text

alerts_app = typer.Typer(no_args_is_help=True, help="Alerts: list, show, review, assign, escalate, confirm, "
                         "dismiss, snooze and note the cases opened by scoring runs.")

TEXTS = Texts(
    sv={
        "title": "Larm ({n})",
        "none": "Inga larm{filter}.",
        "in_state": " i läget {state}",
        "col_org": "Org.nr", "col_name": "Leverantör", "col_state": "Läge", "col_score": "Risk",
        "col_opened": "Öppnat", "col_assignee": "Handläggare", "col_snoozed": "Snoozat till", "col_reasons": "Skäl",
        "header": "{name} ({org}): {state}, risk {score}, öppnat {opened}",
        "assignee": "Handläggare: {name}",
        "snoozed": "Snoozat till {until} av {by}: {reason}",
        "dismissed": "Avskrivet ({reason}): {text}",
        "reasons": "Skäl:",
        "events": "Händelser:",
        "notes": "Anteckningar:",
        "event": "{at} {actor}: {action} {before} -> {after}{reason}",
        "note": "{at} {author}: {text}",
        "changed": "{name} ({org}) är nu {state}{assignee}.",
        "changed_assignee": ", handläggare {assignee}",
        "snoozed_done": "{name} ({org}) är snoozat till {until}.",
        "noted": "Anteckning {id} sparad på {name} ({org}).",
        "snooze_how": "ange --until DATUM eller --days N",
    },
    en={
        "title": "Alerts ({n})",
        "none": "No alerts{filter}.",
        "in_state": " in state {state}",
        "col_org": "Org no.", "col_name": "Supplier", "col_state": "State", "col_score": "Risk",
        "col_opened": "Opened", "col_assignee": "Assignee", "col_snoozed": "Snoozed until", "col_reasons": "Reasons",
        "header": "{name} ({org}): {state}, risk {score}, opened {opened}",
        "assignee": "Assignee: {name}",
        "snoozed": "Snoozed until {until} by {by}: {reason}",
        "dismissed": "Dismissed ({reason}): {text}",
        "reasons": "Reasons:",
        "events": "Events:",
        "notes": "Notes:",
        "event": "{at} {actor}: {action} {before} -> {after}{reason}",
        "note": "{at} {author}: {text}",
        "changed": "{name} ({org}) is now {state}{assignee}.",
        "changed_assignee": ", assigned to {assignee}",
        "snoozed_done": "{name} ({org}) is snoozed until {until}.",
        "noted": "Note {id} saved on {name} ({org}).",
        "snooze_how": "give --until DATE or --days N",
    },
)

By = Annotated[str, typer.Option("--by", help="Who is acting (stored in the alert's history and the audit log).")]
Org = Annotated[str, typer.Argument(help="The supplier's org number, with or without hyphen.")]


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


@alerts_app.command("list")
@user_errors
def list_command(
    ctx: typer.Context,
    state_filter: Annotated[str | None, typer.Option(
        "--state", help="Only alerts in this state: ny, under_granskning, eskalerad, bekraftad, avskriven.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")] = OutputFormat.table,
) -> None:
    """The alerts, new ones first, then by risk."""
    from monitor.alerts.listing import list_alerts

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    with state.engine(create=False).connect() as conn:
        alerts = list_alerts(conn, state_filter, state.settings.language)
    rows = [a.as_json() for a in alerts]
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif format is OutputFormat.csv:
        writer = CsvWriter(sys.stdout)
        writer.writerow(["org_number", "name", "state", "score", "opened", "assignee", "snoozed_until", "reasons"])
        for r in rows:
            writer.writerow([r["org_number"], r["name"], r["state"], r["score"], r["opened"], r["assignee"],
                             r["snoozed_until"], " | ".join(x.get("title", "") for x in r["reasons"])])
    elif not alerts:
        console.print(t("none", filter=t("in_state", state=state_filter) if state_filter else ""),
                      highlight=False, markup=False)
    else:
        table = Table(title=t("title", n=len(alerts)))
        for key in ("col_org", "col_name", "col_state", "col_score", "col_opened", "col_assignee",
                    "col_snoozed", "col_reasons"):
            table.add_column(t(key))
        for a in alerts:
            table.add_row(a.org_number, escape(a.name), a.state, f"{a.score:.0f}", local_text(a.opened),
                          escape(a.assignee or ""), local_text(a.snoozed_until) if a.snoozed_until else "",
                          escape("\n".join(r.get("title", "") for r in a.reasons[:3])))
        print_table(table)


@alerts_app.command("show")
@user_errors
def show(
    ctx: typer.Context, org_number: Org,
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="table or json.")] = ShowFormat.table,
) -> None:
    """One alert: its state, reasons, snooze, history and notes."""
    from monitor.alerts.listing import show_alert
    from monitor.alerts.wording import worded_cause

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    with state.engine(create=False).connect() as conn:
        detail = show_alert(conn, org_number, state.settings.language)
    if format is ShowFormat.json:
        sys.stdout.write(json.dumps(detail.as_json(), ensure_ascii=False, indent=2) + "\n")
        return
    a = detail.alert
    lines = [t("header", name=a.name, org=a.org_number, state=a.state, score=f"{a.score:.0f}",
               opened=local_text(a.opened))]
    if a.assignee:
        lines.append(t("assignee", name=a.assignee))
    if detail.snooze:
        lines.append(t("snoozed", until=local_text(a.snoozed_until) if a.snoozed_until else "",
                       by=detail.snooze["by"], reason=detail.snooze["reason"]))
    if detail.dismissal:
        lines.append(t("dismissed", reason=detail.dismissal["reason"], text=detail.dismissal["text"]))
    lines.append(t("reasons"))
    lines += [f"  - {r.get('title', '')}: {r.get('detail', '')}" for r in a.reasons]
    lines.append(t("events"))
    for e in detail.events:
        why = worded_cause(e["after"].get("cause"), t.language) or e["reason"]
        lines.append("  " + t("event", at=e["at"][:16].replace("T", " "), actor=e["actor"], action=e["action"],
                              before=e["before"].get("state", "-"), after=e["after"].get("state", "-"),
                              reason=f" ({why})" if why else ""))
    if detail.notes:
        lines.append(t("notes"))
        lines += ["  " + t("note", at=n["at"][:16].replace("T", " "), author=n["author"], text=n["text"])
                  for n in detail.notes]
    console.print("\n".join(lines), highlight=False, markup=False)


def _changed(ctx: typer.Context, alert: Any) -> None:
    t = translator(ctx, TEXTS)
    assignee = t("changed_assignee", assignee=alert.assignee) if alert.assignee else ""
    console.print(t("changed", name=alert.name, org=alert.org_number, state=alert.state, assignee=assignee),
                  highlight=False, markup=False)


@alerts_app.command("review")
@user_errors
def review_command(
    ctx: typer.Context, org_number: Org, by: By,
    assignee: Annotated[str | None, typer.Option(help="Who reviews it (default: --by).")] = None,
) -> None:
    """Take a new alert into review (under_granskning), assigned to someone."""
    from monitor.alerts.lifecycle import review

    with state_of(ctx).engine(create=False).begin() as conn:
        _changed(ctx, review(conn, org_number, by, assignee))


@alerts_app.command("assign")
@user_errors
def assign_command(
    ctx: typer.Context, org_number: Org, by: By,
    to: Annotated[str, typer.Option("--to", help="The person the alert is assigned to.")],
) -> None:
    """Assign an open alert to a person (its state stays)."""
    from monitor.alerts.lifecycle import assign

    with state_of(ctx).engine(create=False).begin() as conn:
        _changed(ctx, assign(conn, org_number, by, to))


@alerts_app.command("escalate")
@user_errors
def escalate_command(
    ctx: typer.Context, org_number: Org, by: By,
    reason: Annotated[str | None, typer.Option(help="E.g. police report 2026-1234, formal review.")] = None,
) -> None:
    """Escalate an alert in review (a police report or a formal review)."""
    from monitor.alerts.lifecycle import escalate

    with state_of(ctx).engine(create=False).begin() as conn:
        _changed(ctx, escalate(conn, org_number, by, reason))


@alerts_app.command("confirm")
@user_errors
def confirm_command(
    ctx: typer.Context, org_number: Org, by: By,
    reason: Annotated[str | None, typer.Option(help="What confirmed it.")] = None,
) -> None:
    """Confirm an alert in review or escalated: the suspicion held."""
    from monitor.alerts.lifecycle import confirm

    with state_of(ctx).engine(create=False).begin() as conn:
        _changed(ctx, confirm(conn, org_number, by, reason))


@alerts_app.command("dismiss")
@user_errors
def dismiss_command(
    ctx: typer.Context, org_number: Org, by: By,
    reason: Annotated[str, typer.Option(help="One of alerts.dismiss_reasons in rules/scoring.yaml.")],
    text: Annotated[str, typer.Option(help="Why, in a few words.")],
) -> None:
    """Dismiss an alert; it re-opens only on evidence of another kind or a clearly higher score."""
    from monitor.alerts.lifecycle import dismiss
    from monitor.ranking.score import load_scoring_config

    state = state_of(ctx)
    allowed = load_scoring_config(state.settings.resolved("rules_dir")).alerts.dismiss_reasons
    with state.engine(create=False).begin() as conn:
        _changed(ctx, dismiss(conn, org_number, by, reason, text, allowed))


@alerts_app.command("snooze")
@user_errors
def snooze_command(
    ctx: typer.Context, org_number: Org, by: By,
    reason: Annotated[str, typer.Option(help="Why it can wait.")],
    until: Annotated[datetime | None, typer.Option(
        formats=DATE_FORMATS, help="Wake on this day (YYYY-MM-DD, from 00:00 Swedish time).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="... or after this many days.")] = None,
) -> None:
    """Snooze an open alert; a clear rise in score or a new high or critical finding wakes it sooner."""
    from monitor.alerts.lifecycle import snooze
    from monitor.db import utcnow

    t = translator(ctx, TEXTS)
    if (until is None) == (days is None):
        raise typer.BadParameter(t("snooze_how"), param_hint="--until/--days")
    wake = until.replace(tzinfo=STOCKHOLM) if until is not None else utcnow() + timedelta(days=days or 0)
    with state_of(ctx).engine(create=False).begin() as conn:
        alert = snooze(conn, org_number, by, wake, reason)
    console.print(t("snoozed_done", name=alert.name, org=alert.org_number, until=local_text(alert.snoozed_until)),
                  highlight=False, markup=False)


@alerts_app.command("note")
@user_errors
def note_command(
    ctx: typer.Context, org_number: Org, by: By,
    text: Annotated[str, typer.Argument(help="The note.")],
) -> None:
    """Add a note to an alert (in any state)."""
    from monitor.alerts.lifecycle import add_note, load_alert

    t = translator(ctx, TEXTS)
    with state_of(ctx).engine(create=False).begin() as conn:
        note_id = add_note(conn, org_number, by, text)
        alert = load_alert(conn, org_number)
    console.print(t("noted", id=note_id, name=alert.name, org=alert.org_number), highlight=False, markup=False)
