"""`monitor rank` and `monitor explain`: the latest scoring run, as a list and supplier by supplier."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import OutputFormat, console, err_console, print_table, state_of, translator, user_errors
from monitor.csvoutput import CsvWriter
from monitor.texts import Texts
from monitor.timestamps import local_text

TEXTS = Texts(
    sv={
        "title": "Riskrangordning (poängsättning {run}, {when})",
        "col_org": "Org.nr",
        "col_supplier": "Leverantör",
        "col_area": "Avtalsområde",
        "col_risk": "Risk",
        "col_reasons": "Skäl",
        "plotted": "Risken i {runs:poängsättning|poängsättningar} ritad i {path}",
        "plotted_once": "Risken i den enda poängsättningen ritad som staplar i {path} "
                        "(förloppet över tid ritas när det finns fler poängsättningar)",
    },
    en={
        "title": "Risk ranking (scoring run {run}, {when})",
        "col_org": "Org.nr",
        "col_supplier": "Supplier",
        "col_area": "Area",
        "col_risk": "Risk",
        "col_reasons": "Reasons",
        "plotted": "Risk over {runs:scoring run|scoring runs} drawn to {path}",
        "plotted_once": "Risk in the only scoring run drawn as bars to {path} "
                        "(the course over time is drawn once there are more runs)",
    },
)


@user_errors
def rank(
    ctx: typer.Context,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    top: Annotated[int | None, typer.Option(min=1, help="Only the N highest.")] = None,
    area: Annotated[str | None, typer.Option(help="Only suppliers in this contract area.")] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Also draw the listed suppliers' risk over the scoring runs to this PNG.")
    ] = None,
    excel: Annotated[
        bool, typer.Option(help="With --format csv: ';' separated, UTF-8 with BOM and decimal commas, as "
                                "Swedish Excel opens it.")
    ] = False,
) -> None:
    """Print the suppliers ranked by risk, highest first, with the reasons."""
    from monitor.ranking.plot import plot_history
    from monitor.ranking.report import latest_ranking

    if excel and format is not OutputFormat.csv:
        raise typer.BadParameter("only goes with --format csv", param_hint="--excel")
    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    with state.engine(create=False).connect() as conn:
        ranking = latest_ranking(conn, top=top if top or not plot else None, area=area,
                                 language=state.settings.language)
        if ranking is None:
            raise LookupError("no scoring run yet: run `monitor score` first")
        if plot is not None:
            # A chart of every supplier is unreadable: without --top it shows the ten highest.
            shown = ranking if top else replace(ranking, suppliers=ranking.suppliers[:10])
            runs = plot_history(conn, shown, plot, state.settings.language)
            message = t("plotted", runs=runs, path=plot) if runs > 1 else t("plotted_once", path=plot)
            err_console.print(message, highlight=False, markup=False)
    rows = [s.as_json() for s in ranking.suppliers]
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif format is OutputFormat.csv:
        # Names come from CSV files: a name like =HYPERLINK(...) is written as text (csvoutput).
        writer = CsvWriter(sys.stdout, excel=excel)
        # The header stays English whatever the language: programs and spreadsheets look columns up by it.
        writer.writerow(["rank", "org_number", "name", "contract_area", "score", "change", "trend", "reasons"])
        for r in rows:
            reasons = " | ".join(f"{x['title']}: {x['detail']}" for x in r["reasons"])
            writer.writerow([r["rank"], r["org_number"], r["name"], r["contract_area"], r["score"],
                             r["change"], r["trend"], reasons])
    else:
        table = Table(title=t("title", run=str(ranking.run_id), when=local_text(ranking.scored_at)))
        table.add_column("#", justify="right")
        for key in ("col_org", "col_supplier", "col_area", "col_risk", "col_reasons"):
            table.add_column(t(key), justify="right" if key == "col_risk" else "left")
        for r in rows:
            reasons = "\n".join(f"{x['title']}: {x['detail']}" for x in r["reasons"])
            # Names come from CSV files: shown as text, never as Rich markup.
            table.add_row(str(r["rank"]), r["org_number"], escape(r["name"]), escape(r["contract_area"]),
                          f"{r['score']:.0f}", escape(reasons))
        print_table(table)


@user_errors
def explain(
    ctx: typer.Context,
    org_number: Annotated[str, typer.Argument(help="The supplier's org number, with or without hyphen.")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
) -> None:
    """Show how a supplier's risk score was made in the latest scoring run: the points of each rule,
    finding by finding with its recency weight, and of the comparison with peers, feature by feature."""
    from monitor.ranking.explain import explain_supplier, print_explanation
    from monitor.ranking.score import load_scoring_config

    state = state_of(ctx)
    config = load_scoring_config(state.settings.resolved("rules_dir"))
    with state.engine(create=False).connect() as conn:
        result = explain_supplier(conn, org_number, config, state.settings.language)
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_explanation(console, result, state.settings.language)
