"""`monitor score`: the rules and the peer comparison over the evidence, stored as a scoring run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, TextColumn

from monitor.cli.common import console, progress_bar, state_of, user_errors


@user_errors
def score(ctx: typer.Context) -> None:
    """Run the rules over the evidence, store findings and rank the suppliers."""
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

        outcome = run_scoring(state.engine(), rules, config, state.settings.language, on_rule,
                              media_rules=media_rules(rules_dir))
    flagged = sum(1 for r in outcome.ranking if r.score > 0)
    unusual = sum(1 for r in outcome.ranking if r.components.get("outlier", 0) > 0)
    console.print(
        f"Scoring run {outcome.run_id}: {outcome.evaluation.findings_total} findings "
        f"({outcome.evaluation.findings_new} new) from {sum(r.enabled for r in rules)} rules; "
        f"{len(outcome.outliers)} suppliers compared with their peers, {unusual} unlike them; "
        f"{len(outcome.media)} named in the news with risk; "
        f"{len(outcome.ranking)} suppliers ranked, {flagged} with risk > 0 "
        f"(recency as of {outcome.as_of.astimezone().strftime('%Y-%m-%d %H:%M')}).",
        highlight=False,
    )


def media_rules(rules_dir: Path) -> Any:
    """rules/media.yaml if there is one: without it articles are stored but not matched."""
    from monitor.media.keywords import load_media_rules

    return load_media_rules(rules_dir) if (rules_dir / "media.yaml").exists() else None
