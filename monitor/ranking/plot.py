"""`monitor rank --plot`: the top suppliers' risk over the scoring runs, as a PNG."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, select

from monitor.models import ScoringRun, Supplier, SupplierScore
from monitor.ranking.report import Ranking
from monitor.texts import Texts
from monitor.timestamps import STOCKHOLM

# Titles and axes of the chart, in the run's language (the PNG is read by the team).
TEXTS = Texts(
    sv={
        "title": "Risk över tid för {n:leverantör|leverantörer} med högst risk",
        "x": "Bedömt t.o.m.",
        "y": "Risk (0–100)",
        "single": "Risk för {n:leverantör|leverantörer} med högst risk, bedömt t.o.m. {when}\n"
                  "(en poängsättning; förloppet ritas när det finns fler)",
    },
    en={
        "title": "Risk over time of the {n:supplier|suppliers} ranked highest",
        "x": "Judged up to",
        "y": "Risk (0-100)",
        "single": "Risk of the {n:supplier|suppliers} ranked highest, judged up to {when}\n"
                  "(one scoring run; the course is drawn once there are more)",
    },
)


def plot_history(conn: Connection, ranking: Ranking, path: Path, language: str = "sv") -> int:
    """Draw each ranked supplier's score in every finished run; returns the number of runs drawn."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: render to a file
    import matplotlib.pyplot as plt

    runs = ScoringRun.__table__.c  # type: ignore[attr-defined]
    ss = SupplierScore.__table__.c  # type: ignore[attr-defined]
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    # Each run at the instant it judged, so back-filled history falls in its own weeks.
    finished = {
        r.id: r.as_of or r.finished_at
        for r in conn.execute(select(runs.id, runs.finished_at, runs.as_of).where(runs.finished_at.is_not(None)))
    }
    orgs = [supplier.org_number for supplier in ranking.suppliers]
    id_of = dict(conn.execute(select(s.org_number, s.id).where(s.org_number.in_(orgs))).all())
    history: dict[int, list[tuple[object, float]]] = {}
    drawn: set[int] = set()
    for row in conn.execute(
        select(ss.run_id, ss.supplier_id, ss.score)
        .where(ss.supplier_id.in_(list(id_of.values())), ss.run_id.in_(list(finished)))
        .order_by(ss.run_id)
    ):
        history.setdefault(row.supplier_id, []).append((finished[row.run_id].astimezone(STOCKHOLM), row.score))
        drawn.add(row.run_id)
    for points in history.values():
        points.sort(key=lambda p: p[0])  # type: ignore[arg-type, return-value]
    t = TEXTS.for_language(language)
    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=110)
    # Names come from the supplier register: '$' would start matplotlib's math text.
    names = {s.org_number: f"{s.rank}. {s.name}".replace("$", r"\$") for s in ranking.suppliers}
    instants = sorted({when for points in history.values() for when, _ in points})  # type: ignore[type-var]
    if len(instants) <= 1:
        # One scoring run is no history: a line of single dots on a years-wide axis says nothing.
        shown = [s for s in ranking.suppliers if history.get(id_of[s.org_number])]
        scores = [history[id_of[s.org_number]][-1][1] for s in shown]
        ax.barh([names[s.org_number] for s in shown][::-1], scores[::-1], color="#c0392b")
        for y, score in enumerate(scores[::-1]):
            ax.text(score + 1, y, f"{score:.0f}", va="center", fontsize=8)
        ax.set_xlim(0, 106)  # room for the numbers
        when = instants[0].strftime("%Y-%m-%d") if instants else "-"  # type: ignore[attr-defined]
        ax.set_title(t("single", n=len(shown), when=when))
        ax.set_xlabel(t("y"))
        ax.grid(alpha=0.3, axis="x")
    else:
        for supplier in ranking.suppliers:
            points = history.get(id_of[supplier.org_number], [])
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=names[supplier.org_number])
        ax.set_ylim(0, 100)
        ax.set_title(t("title", n=len(ranking.suppliers)))
        ax.set_xlabel(t("x"))
        ax.set_ylabel(t("y"))
        ax.grid(alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
        fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return len(drawn)
