"""`monitor score`: the rules and the peer comparison over the evidence, stored as a scoring run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, TextColumn

from monitor.cli.common import DATE_FORMATS, console, progress_bar, state_of, translator, user_errors
from monitor.texts import Texts
from monitor.timestamps import local_text

TEXTS = Texts(
    sv={
        "progress": "Poängsätter",
        "progress_rule": "Regel {rule}",
        "progress_group": "{rule}, leverantörsgrupp {group} av {groups}",
        "progress_count": "{done}/{total} regler",
        "window": "fönster",
        "backfill": "efterhandsberäkning av",
        "done": "Poängsättning {run} ({kind} {window}, {visits:besök|besök} lästa): "
                "{findings:fynd|fynd} ({new} nya) från {rules:regel|regler}; "
                "{compared:leverantör|leverantörer} jämförda med likartade, {unusual} avvikande; "
                "{media:leverantör|leverantörer} i nyheter med risk; "
                "{ranked:leverantör|leverantörer} rangordnade, {flagged} med risk > 0 "
                "(aktualitet räknad per {as_of}).",
        "alerts": "Larm: [och: {opened:nytt|nya} ;; {woken:väckt|väckta} ur snooze ;; "
                  "{reopened:återöppnat|återöppnade}]; se `monitor alerts list`.",
        "no_alerts": "Inga nya larm.",
        "grouped": "Leverantörerna lästes och bedömdes i {groups} grupper om cirka {limit:besök|besök} "
                   "(MONITOR_SCORING_GROUP_VISITS), så att minnet räcker.",
        "timings": "Tid per steg (sekunder):",
        "timings_rules": "Tid per regel (sekunder, längst först):",
    },
    en={
        "progress": "Scoring",
        "progress_rule": "Rule {rule}",
        "progress_group": "{rule}, supplier group {group} of {groups}",
        "progress_count": "{done}/{total} rules",
        "window": "window",
        "backfill": "back-fill of",
        "done": "Scoring run {run} ({kind} {window}, {visits:visit|visits} read): "
                "{findings:finding|findings} ({new} new) from {rules:rule|rules}; "
                "{compared:supplier|suppliers} compared with their peers, {unusual} unlike them; "
                "{media:supplier|suppliers} named in the news with risk; "
                "{ranked:supplier|suppliers} ranked, {flagged} with risk > 0 "
                "(recency as of {as_of}).",
        "alerts": "Alerts: [and: {opened:new|new} ;; {woken:woken|woken} from snooze ;; {reopened:reopened|reopened}]; "
                  "see `monitor alerts list`.",
        "no_alerts": "No new alerts.",
        "grouped": "The suppliers were read and judged in {groups} groups of about {limit:visit|visits} "
                   "(MONITOR_SCORING_GROUP_VISITS), to keep memory bounded.",
        "timings": "Time per stage (seconds):",
        "timings_rules": "Time per rule (seconds, longest first):",
    },
)


@user_errors
def score(
    ctx: typer.Context,
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Score a past window from this day (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="... up to and including this day (YYYY-MM-DD).")
    ] = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Also print the seconds each stage and each rule took.")
    ] = False,
) -> None:
    """Run the rules over the evidence, store findings and rank the suppliers.

    A run judges the latest weeks (window.weeks in rules/scoring.yaml) up to the latest visit,
    reading only as much older evidence as its rules look back. With --since/--until it scores
    that past window instead and stores it as history (to back-fill, or to try a rule change on
    last quarter): `monitor rank` and the digest keep showing the latest regular run."""
    from monitor.findings.rules import Rule, load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring
    from monitor.timings import Timings

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    rules_dir = state.settings.resolved("rules_dir")
    rules, config = load_rules(rules_dir), load_scoring_config(rules_dir)
    enabled = [r for r in rules if r.enabled]
    times = Timings() if timings else None
    with progress_bar(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn(t("progress_count", done="{task.completed}", total="{task.total}"))) as progress:
        task = progress.add_task(t("progress"), total=len(enabled))

        group = [0, 1]  # the group of suppliers being scored, of how many

        def on_group(index: int, count: int) -> None:
            group[:] = [index, count]
            progress.update(task, total=len(enabled) * count)

        def on_rule(rule: Rule) -> None:
            index, count = group
            description = t("progress_rule", rule=rule.id)
            if count > 1:
                description = t("progress_group", rule=description, group=index + 1, groups=count)
            progress.update(task, description=description, completed=index * len(enabled) + enabled.index(rule))

        if since and until and since > until:
            raise typer.BadParameter(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
        outcome = run_scoring(state.engine(), rules, config, state.settings.language, on_rule,
                              media_rules=media_rules(rules_dir), since=since.date() if since else None,
                              until=until.date() if until else None, timings=times,
                              group_visits=state.settings.scoring_group_visits, on_group=on_group)
    flagged = sum(1 for r in outcome.ranking if r.score > 0)
    unusual = sum(1 for r in outcome.ranking if r.components.get("outlier", 0) > 0)
    kind = t("backfill") if outcome.window.backfill else t("window")
    console.print(
        t("done", run=outcome.run_id, kind=kind, window=outcome.window.describe(), visits=outcome.visits_read,
          findings=outcome.evaluation.findings_total, new=outcome.evaluation.findings_new,
          rules=sum(r.enabled for r in rules), compared=len(outcome.outliers), unusual=unusual,
          media=len(outcome.media), ranked=len(outcome.ranking), flagged=flagged, as_of=local_text(outcome.as_of)),
        highlight=False, markup=False,
    )
    if group[1] > 1:
        console.print(t("grouped", groups=group[1], limit=state.settings.scoring_group_visits), highlight=False,
                      markup=False)
    if not outcome.window.backfill:  # a back-fill never touches the alerts
        alerts = outcome.alerts
        changed = alerts.opened + alerts.woken + alerts.reopened
        console.print(t("alerts", opened=alerts.opened, woken=alerts.woken, reopened=alerts.reopened)
                      if changed else t("no_alerts"), highlight=False, markup=False)
    if times is not None:
        print_timings(times, t)


def media_rules(rules_dir: Path) -> Any:
    """rules/media.yaml if there is one: without it articles are stored but not matched."""
    from monitor.media.keywords import load_media_rules

    return load_media_rules(rules_dir) if (rules_dir / "media.yaml").exists() else None


def print_timings(times: Any, t: Any) -> None:
    """The stages in the order they ran, then the rules, longest first."""
    console.print(t("timings"), highlight=False, markup=False)
    for stage, seconds in times.stages:
        console.print(f"  {stage:<24} {seconds:8.2f}", highlight=False, markup=False)
    console.print(t("timings_rules"), highlight=False, markup=False)
    for rule_id, seconds in sorted(times.rules, key=lambda r: -r[1]):
        console.print(f"  {rule_id:<40} {seconds:8.2f}", highlight=False, markup=False)
