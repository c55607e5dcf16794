"""`monitor rules ...`: check, list, document and dry-run the rules in rules/."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select

from monitor.cli.common import (
    DATE_FORMATS,
    ListFormat,
    console,
    err_console,
    print_table,
    state_of,
    translator,
    user_errors,
)
from monitor.phrasing import fixed, format_number
from monitor.texts import Texts, Translator
from monitor.timestamps import day_end, day_start, local_iso, local_text
from monitor.yamlfile import ConfigFileError

# `rules docs` is the analyst's reference and stays English; check, list and test speak the run's language.
TEXTS = Texts(
    sv={
        "errors": "{errors:fel|fel} i {path}",
        "ok": "{rules:regel|regler} utan fel i {path} ({enabled} påslagna)",
        "col_id": "id",
        "col_title": "titel",
        "col_kind": "typ",
        "col_severity": "allvarlighet",
        "col_evidence": "bevisklass",
        "col_weight": "vikt",
        "col_enabled": "påslagen",
        "col_period": "period",
        "col_scope": "gäller",
        "col_params": "parametrar",
        "col_version": "version",
        "col_hits": "flaggade i senaste körningen",
        "hits": "{hit} av {scored} ({share} %)",
        "hits_common": "{hit} av {scored} ({share} %) – vanligt, säger lite",
        "common_warning": "Varning: {rules:regel|regler} flaggade mer än {share} % av leverantörerna i senaste "
                          "poängsättningen ({ids}). Ett tecken som de flesta visar säger lite om var och en: "
                          "överväg att skärpa parametrarna (`monitor rules test ID`).",
        "common_test": "Varning: {rule} skulle flagga {flagged} av {registered:leverantör|leverantörer} i registret, "
                       "mer än {share} %: ett tecken som de flesta visar säger lite om var och en.",
        "yes": "ja",
        "no": "nej",
        "all": "alla",
        "test_title": "{rule} (version {version}) från {source}",
        "col_status": "Status",
        "col_org": "Org.nr",
        "col_supplier": "Leverantör",
        "col_period_test": "Period",
        "col_strength": "Styrka",
        "col_detail": "Detalj",
        "stored": " (sparad {strength})",
        "status_new": "ny",
        "status_gone": "försvinner",
        "status_changed": "ändrad",
        "status_unchanged": "oförändrad",
        "against_run": "senaste poängsättningen ({run})",
        "against_nothing": "inget sparat (ingen poängsättning än)",
        "stored_under": ", sparad under version {versions}",
        "would_flag": "{rule}: skulle flagga {periods:leverantörsperiod|leverantörsperioder} hos "
                      "{suppliers:leverantör|leverantörer}.",
        "would_flag_none": "{rule}: skulle inte flagga något.",
        "changes": "Jämfört med {compared}: [och: {new:ny|nya} ;; {gone:försvinner|försvinner} ;; "
                   "{changed:ändrad|ändrade} ;; {unchanged:oförändrad|oförändrade}].",
        "no_changes": "Jämfört med {compared}: inga fynd, varken med regeln nu eller sparade.",
        "nothing_written": "Inget skrevs till databasen.",
    },
    en={
        "errors": "{errors:error|errors} in {path}",
        "ok": "{rules:rule|rules} OK in {path} ({enabled} enabled)",
        "col_id": "id",
        "col_title": "title",
        "col_kind": "kind",
        "col_severity": "severity",
        "col_evidence": "evidence",
        "col_weight": "weight",
        "col_enabled": "enabled",
        "col_period": "period",
        "col_scope": "scope",
        "col_params": "params",
        "col_version": "version",
        "col_hits": "flagged in latest run",
        "hits": "{hit} of {scored} ({share}%)",
        "hits_common": "{hit} of {scored} ({share}%) – common, tells little",
        "common_warning": "Warning: {rules:rule|rules} flagged more than {share}% of the suppliers in the latest "
                          "scoring run ({ids}). A sign most suppliers show tells little about any one of them: "
                          "consider tightening its parameters (`monitor rules test ID`).",
        "common_test": "Warning: {rule} would flag {flagged} of {registered:supplier|suppliers} in the register, "
                       "more than {share}%: a sign most suppliers show tells little about any one of them.",
        "yes": "yes",
        "no": "no",
        "all": "all",
        "test_title": "{rule} (version {version}) from {source}",
        "col_status": "Status",
        "col_org": "Org.nr",
        "col_supplier": "Supplier",
        "col_period_test": "Period",
        "col_strength": "Strength",
        "col_detail": "Detail",
        "stored": " (stored {strength})",
        "status_new": "new",
        "status_gone": "gone",
        "status_changed": "changed",
        "status_unchanged": "unchanged",
        "against_run": "latest scoring run {run}",
        "against_nothing": "nothing stored (no scoring run yet)",
        "stored_under": ", stored under version {versions}",
        "would_flag": "{rule}: would flag {periods:supplier-period|supplier-periods} at "
                      "{suppliers:supplier|suppliers}.",
        "would_flag_none": "{rule}: would flag nothing.",
        "changes": "Against {compared}: [and: {new} new ;; {gone} gone ;; {changed} changed ;; "
                   "{unchanged} unchanged].",
        "no_changes": "Against {compared}: no findings, neither now nor stored.",
        "nothing_written": "Nothing was written.",
    },
)

rules_app = typer.Typer(no_args_is_help=True, help="Check, list, document and try out the rules in rules/.")

@rules_app.command("check")
@user_errors
def rules_check(ctx: typer.Context) -> None:
    """Validate every rule file and scoring.yaml; exit non-zero with file:line on an error."""
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config

    rules_dir = state_of(ctx).settings.resolved("rules_dir")
    t = translator(ctx, TEXTS)
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
            # An error line as user_errors prints one: English, file:line: field: problem.
            err_console.print(f"[bold red]Error:[/] {escape(line)}", highlight=False)
        err_console.print(t("errors", errors=len(errors), path=rules_dir), highlight=False, markup=False)
        raise typer.Exit(2)
    console.print(t("ok", rules=len(rules), path=rules_dir, enabled=sum(r.enabled for r in rules)),
                  highlight=False, markup=False)


@rules_app.command("list")
@user_errors
def rules_list(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """List the rules with their effective parameters (defaults filled in), period and scope, and
    how many suppliers each flagged in the latest scoring run (with a warning for common ones)."""
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config

    rules_dir = state_of(ctx).settings.resolved("rules_dir")
    rules = load_rules(rules_dir)
    common_share = load_scoring_config(rules_dir).common_rule_share
    hits, scored = _latest_hits(state_of(ctx))

    def hit_rate(rule_id: str) -> dict[str, Any] | None:
        if not scored:
            return None
        hit = hits.get(rule_id, 0)
        return {"suppliers": hit, "of": scored, "share": round(hit / scored, 3), "common": hit / scored > common_share}

    if format is ListFormat.json:
        language = state_of(ctx).settings.language
        rows = [{"id": r.id, "title": r.title.in_language(language), "titles": r.title.as_dict(),
                 "kind": r.kind, "severity": r.severity, "evidence": r.evidence_class, "weight": r.weight,
                 "enabled": r.enabled, "period": r.effective_period,
                 "scope": {"contract_areas": list(r.scope.contract_areas),
                           "service_types": list(r.scope.service_types)},
                 "params": r.effective_params.model_dump(mode="json"), "version": r.version,
                 "source": f"{r.source_file}:{r.source_line}", "latest_run_hits": hit_rate(r.id)} for r in rules]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    t = translator(ctx, TEXTS)
    language = state_of(ctx).settings.language
    table = Table()
    for key in ("col_id", "col_title", "col_kind", "col_severity", "col_evidence", "col_weight", "col_enabled",
                "col_period", "col_scope", "col_params", "col_version", "col_hits"):
        table.add_column(t(key))
    common = []
    for rule in rules:
        rate = hit_rate(rule.id)
        hit_text = "–"
        if rate is not None:
            share = format_number(round(100 * rate["share"], 1), language)
            hit_text = t("hits_common" if rate["common"] else "hits", hit=rate["suppliers"], scored=scored, share=share)
            if rate["common"]:
                common.append(rule.id)
        # Kind, severity, evidence, period and params are written as in the YAML, so they can be looked up in it.
        params = "\n".join(f"{k}={v}" for k, v in rule.effective_params.model_dump().items())
        scope = "; ".join(filter(None, (", ".join(rule.scope.contract_areas), ", ".join(rule.scope.service_types))))
        table.add_row(rule.id, escape(rule.title.in_language(language)), rule.kind, rule.severity,
                      rule.evidence_class, f"{rule.weight:g}", t("yes") if rule.enabled else t("no"),
                      rule.effective_period or "-", escape(scope or t("all")), escape(params), rule.version, hit_text)
    print_table(table)
    if common:
        err_console.print(t("common_warning", rules=len(common), ids=", ".join(common),
                            share=format_number(round(100 * common_share), language)), highlight=False, markup=False)


def _latest_hits(state: Any) -> tuple[dict[str, int], int]:
    """Suppliers flagged per rule in the latest regular scoring run, and suppliers scored; nothing
    when there is no database or no run yet (listing the rules needs neither)."""
    from monitor.db import DatabaseUnavailable
    from monitor.runs import latest_run, rule_hit_rates

    try:
        engine = state.existing_engine()
    except (LookupError, DatabaseUnavailable):
        return {}, 0
    try:
        with engine.connect() as conn:
            run = latest_run(conn)
            return rule_hit_rates(conn, run.id) if run else ({}, 0)
    finally:
        engine.dispose()


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
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
    show_all: Annotated[bool, typer.Option("--all", help="Also list supplier-periods that did not change.")] = False,
) -> None:
    """Dry run: what RULE_ID, as it stands in its file now, would flag, and how that differs from the
    findings stored by the latest `monitor score`. Writes nothing; a disabled rule can be tried too.

    Statuses: new (would be flagged, is not now), gone (flagged now, would not be), changed (flagged
    both, other evidence or strength), unchanged."""
    from monitor.findings.backtest import backtest_rule
    from monitor.findings.rules import load_rules
    from monitor.models import Supplier
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
            registered = conn.execute(select(func.count()).select_from(Supplier.__table__)).scalar_one()
            conn.rollback()
    finally:
        engine.dispose()
    language = state.settings.language
    flagged = len({r.org_number for r in result.flagged})
    common = bool(registered) and flagged / registered > config.common_rule_share
    if format is ListFormat.json:
        out = {**_as_json(result, language),
               "suppliers": {"flagged": flagged, "registered": registered, "common": common}}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    t = translator(ctx, TEXTS)
    _print_table(result, t, show_all)
    if common:
        err_console.print(t("common_test", rule=rule.id, flagged=flagged, registered=registered,
                            share=format_number(round(100 * config.common_rule_share), language)),
                          highlight=False, markup=False)


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


def _print_table(result: Any, t: Translator, show_all: bool) -> None:
    from monitor.messages import render_detail

    rule = result.rule
    rows = [r for r in result.rows if show_all or r.status != "unchanged"]
    table = Table(title=escape(t("test_title", rule=rule.id, version=rule.version,
                                 source=f"{rule.source_file}:{rule.source_line}")))
    for key in ("col_status", "col_org", "col_supplier", "col_period_test", "col_strength", "col_detail"):
        table.add_column(t(key))
    for r in rows:
        stored = "" if r.stored_strength is None else t("stored", strength=fixed(r.stored_strength, 2, t.language))
        table.add_row(t(f"status_{r.status}"), r.org_number, escape(r.name), _period_text(r, rule.effective_period),
                      f"{fixed(r.strength, 2, t.language)}{stored}", escape(render_detail(r.detail, t.language)))
    if rows:
        print_table(table)
    suppliers = len({r.org_number for r in result.flagged})
    compared = t("against_run", run=str(result.run_id)) if result.run_id is not None else t("against_nothing")
    if result.stored_versions and result.stored_versions != [rule.version]:
        compared += t("stored_under", versions=", ".join(result.stored_versions))
    counts = {status: result.count(status) for status in ("new", "gone", "changed", "unchanged")}
    flagged = (t("would_flag", rule=rule.id, periods=len(result.flagged), suppliers=suppliers) if result.flagged
               else t("would_flag_none", rule=rule.id))
    changes = t("changes", compared=compared, **counts) if any(counts.values()) else t("no_changes", compared=compared)
    console.print(f"{flagged} {changes} {t('nothing_written')}", highlight=False, markup=False)

