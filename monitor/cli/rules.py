"""`monitor rules ...`: check, list, document and dry-run the rules in rules/."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import DATE_FORMATS, console, err_console, print_table, state_of, user_errors
from monitor.timestamps import day_end, day_start, local_iso, local_text
from monitor.yamlfile import ConfigFileError

rules_app = typer.Typer(no_args_is_help=True, help="Check, list, document and try out the rules in rules/.")

class TestFormat(StrEnum):
    table = "table"
    json = "json"


@rules_app.command("check")
@user_errors
def rules_check(ctx: typer.Context) -> None:
    """Validate every rule file and scoring.yaml; exit non-zero with file:line on an error."""
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config

    rules_dir = state_of(ctx).settings.resolved("rules_dir")
    errors: list[str] = []
    rules = []
    for load in (load_rules, load_scoring_config):
        try:
            loaded = load(rules_dir)
        except ConfigFileError as exc:
            errors += exc.errors
        else:
            rules = loaded if isinstance(loaded, list) else rules
    if errors:
        for line in errors:
            err_console.print(f"[bold red]Error:[/] {escape(line)}", highlight=False)
        err_console.print(f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {rules_dir}", highlight=False)
        raise typer.Exit(2)
    console.print(f"{len(rules)} rules OK in {rules_dir} ({sum(r.enabled for r in rules)} enabled)",
                  highlight=False)


@rules_app.command("list")
@user_errors
def rules_list(
    ctx: typer.Context,
    format: Annotated[TestFormat, typer.Option("--format", "-f", help="table or json.")] = TestFormat.table,
) -> None:
    """List the rules with their effective parameters (defaults filled in), period and scope."""
    from monitor.findings.rules import load_rules

    rules = load_rules(state_of(ctx).settings.resolved("rules_dir"))
    if format is TestFormat.json:
        language = state_of(ctx).settings.language
        rows = [{"id": r.id, "title": r.title.in_language(language), "titles": r.title.as_dict(),
                 "kind": r.kind, "severity": r.severity, "weight": r.weight,
                 "enabled": r.enabled, "period": r.effective_period,
                 "scope": {"contract_areas": list(r.scope.contract_areas),
                           "service_types": list(r.scope.service_types)},
                 "params": r.effective_params.model_dump(mode="json"), "version": r.version,
                 "source": f"{r.source_file}:{r.source_line}"} for r in rules]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("id", "kind", "severity", "weight", "enabled", "period", "scope", "params", "version"):
        table.add_column(column)
    for rule in rules:
        params = "\n".join(f"{k}={v}" for k, v in rule.effective_params.model_dump().items())
        scope = "; ".join(filter(None, (", ".join(rule.scope.contract_areas), ", ".join(rule.scope.service_types))))
        table.add_row(rule.id, rule.kind, rule.severity, f"{rule.weight:g}", "yes" if rule.enabled else "no",
                      rule.effective_period or "-", escape(scope or "all"), escape(params), rule.version)
    print_table(table)


@rules_app.command("docs")
@user_errors
def rules_docs() -> None:
    """Print the reference of every detector kind and its parameters (Markdown, as in docs/rules.md)."""
    from monitor.findings.reference import detectors_markdown

    sys.stdout.write(detectors_markdown())


@rules_app.command("test")
@user_errors
def rules_test(
    ctx: typer.Context,
    rule_id: Annotated[str, typer.Argument(help="The rule's id, as in its file.")],
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="First day of visits to look at (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Last day of visits to look at, inclusive.")
    ] = None,
    format: Annotated[TestFormat, typer.Option("--format", "-f", help="Output format.")] = TestFormat.table,
    show_all: Annotated[bool, typer.Option("--all", help="Also list supplier-periods that did not change.")] = False,
) -> None:
    """Dry run: what RULE_ID, as it stands in its file now, would flag, and how that differs from the
    findings stored by the latest `monitor score`. Writes nothing; a disabled rule can be tried too.

    Statuses: new (would be flagged, is not now), gone (flagged now, would not be), changed (flagged
    both, other evidence or strength), unchanged."""
    from monitor.findings.backtest import backtest_rule
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config

    state = state_of(ctx)
    rules_dir = state.settings.resolved("rules_dir")
    rules = {r.id: r for r in load_rules(rules_dir)}
    if rule_id not in rules:
        raise LookupError(f"no rule {rule_id!r} in {state.settings.resolved('rules_dir')}; "
                          f"rules: {', '.join(sorted(rules))}")
    rule = rules[rule_id]
    window_from = day_start(since.date()) if since else None
    window_to = day_end(until.date()) if until else None
    engine = state.existing_engine()
    try:
        with engine.connect() as conn:
            # The scoring run's lookback, so a finding at the window's edge is judged as `score` judges it.
            config = load_scoring_config(rules_dir)
            outlier_period = config.outliers.period if config.outliers.enabled else None
            result = backtest_rule(conn, rule, window_from, window_to, list(rules.values()), outlier_period)
            conn.rollback()
    finally:
        engine.dispose()
    language = state.settings.language
    if format is TestFormat.json:
        sys.stdout.write(json.dumps(_as_json(result, language), ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(result, language, show_all)


def _when(value: datetime) -> str:
    return local_text(value)


def _period_text(row: Any, period: str | None) -> str:
    import numpy as np

    from monitor.findings.periods import period_keys, period_label

    if period is None:
        return f"{_when(row.period_start)} – {_when(row.period_end)}"
    key = period_keys(np.array([row.period_start.timestamp()]), period)[0]  # type: ignore[arg-type]
    return period_label(key, period)  # type: ignore[arg-type]


def _as_json(result: Any, language: str) -> dict[str, Any]:
    from monitor.messages import render_detail

    rule = result.rule
    return {
        "rule": rule.id,
        "version": rule.version,
        "compared_with_run": result.run_id,
        "stored_versions": result.stored_versions,
        "counts": {s: result.count(s) for s in ("new", "changed", "unchanged", "gone")},
        "rows": [
            {
                "status": r.status,
                "org_number": r.org_number,
                "name": r.name,
                "period": _period_text(r, rule.effective_period),
                "period_start": local_iso(r.period_start),
                "period_end": local_iso(r.period_end),
                "strength": round(r.strength, 3),
                "stored_strength": None if r.stored_strength is None else round(r.stored_strength, 3),
                "detail": render_detail(r.detail, language),
                "evidence": r.evidence,
            }
            for r in result.rows
        ],
    }


def _print_table(result: Any, language: str, show_all: bool) -> None:
    from monitor.messages import render_detail

    rule = result.rule
    rows = [r for r in result.rows if show_all or r.status != "unchanged"]
    table = Table(title=f"{rule.id} (version {rule.version}) from {rule.source_file}:{rule.source_line}")
    for name in ("Status", "Org.nr", "Supplier", "Period", "Strength", "Detail"):
        table.add_column(name)
    for r in rows:
        stored = "" if r.stored_strength is None else f" (stored {r.stored_strength:.2f})"
        table.add_row(r.status, r.org_number, escape(r.name), _period_text(r, rule.effective_period),
                      f"{r.strength:.2f}{stored}", escape(render_detail(r.detail, language)))
    if rows:
        print_table(table)
    suppliers = len({r.org_number for r in result.flagged})
    compared = (f"latest scoring run {result.run_id}" if result.run_id is not None
                else "nothing stored (no scoring run yet)")
    if result.stored_versions and result.stored_versions != [rule.version]:
        compared += f", stored under version {', '.join(result.stored_versions)}"
    console.print(
        f"{rule.id}: would flag {len(result.flagged)} supplier-periods at {suppliers} suppliers. "
        f"Against {compared}: {result.count('new')} new, {result.count('gone')} gone, "
        f"{result.count('changed')} changed, {result.count('unchanged')} unchanged. Nothing was written.",
        highlight=False,
    )

