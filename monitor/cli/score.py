"""`monitor score`: the rules and the peer comparison over the evidence, stored as a scoring run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, TextColumn

from monitor.cli.common import DATE_FORMATS, console, progress_bar, state_of, user_errors
from monitor.timestamps import local_text


@user_errors
def score(
    ctx: typer.Context,
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Score a past window from this day (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="... up to and including this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Run the rules over the evidence, store findings and rank the suppliers.

    A run judges the latest weeks (window.weeks in rules/scoring.yaml) up to the latest visit,
    reading only as much older evidence as its rules look back. With --since/--until it scores
    that past window instead and stores it as history (to back-fill, or to try a rule change on
    last quarter): `monitor rank` and the digest keep showing the latest regular run."""
    from monitor.findings.rules import Rule, load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring

    state = state_of(ctx)
    rules_dir = state.settings.resolved("rules_dir")
    rules, config = load_rules(rules_dir), load_scoring_config(rules_dir)
    enabled = [r for r in rules if r.enabled]
    with progress_bar(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} rules")) as progress:
        task = progress.add_task("Scoring", total=len(enabled))

        def on_rule(rule: Rule) -> None:
            progress.update(task, description=f"Rule {rule.id}", completed=enabled.index(rule))

        if since and until and since > until:
            raise typer.BadParameter(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
        outcome = run_scoring(state.engine(), rules, config, state.settings.language, on_rule,
                              media_rules=media_rules(rules_dir), since=since.date() if since else None,
                              until=until.date() if until else None)
    flagged = sum(1 for r in outcome.ranking if r.score > 0)
    unusual = sum(1 for r in outcome.ranking if r.components.get("outlier", 0) > 0)
    kind = "back-fill of" if outcome.window.backfill else "window"
    console.print(
        f"Scoring run {outcome.run_id} ({kind} {outcome.window.describe()}, {outcome.visits_read} visits read): "
        f"{outcome.evaluation.findings_total} findings "
        f"({outcome.evaluation.findings_new} new) from {sum(r.enabled for r in rules)} rules; "
        f"{len(outcome.outliers)} suppliers compared with their peers, {unusual} unlike them; "
        f"{len(outcome.media)} named in the news with risk; "
        f"{len(outcome.ranking)} suppliers ranked, {flagged} with risk > 0 "
        f"(recency as of {local_text(outcome.as_of)}).",
        highlight=False,
    )


def media_rules(rules_dir: Path) -> Any:
    """rules/media.yaml if there is one: without it articles are stored but not matched."""
    from monitor.media.keywords import load_media_rules

    return load_media_rules(rules_dir) if (rules_dir / "media.yaml").exists() else None
