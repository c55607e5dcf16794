"""`monitor rank --plot`: the top suppliers' risk over the scoring runs, as a PNG."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, select

from monitor.models import ScoringRun, Supplier, SupplierScore
from monitor.ranking.report import Ranking
from monitor.timestamps import STOCKHOLM

LABELS = {
    "sv": {"title": "Risk över tid, de {n} högst rankade leverantörerna", "x": "Bedömt t.o.m.", "y": "Risk (0–100)"},
    "en": {"title": "Risk over time, the {n} highest-ranked suppliers", "x": "Judged up to", "y": "Risk (0-100)"},
}


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
    labels = LABELS.get(language, LABELS["sv"])
    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=110)
    for supplier in ranking.suppliers:
        points = history.get(id_of[supplier.org_number], [])
        if not points:
            continue
        # Names come from the supplier register: '$' would start matplotlib's math text.
        name = f"{supplier.rank}. {supplier.name}".replace("$", r"\$")
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    ax.set_ylim(0, 100)
    ax.set_title(labels["title"].format(n=len(ranking.suppliers)))
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return len(drawn)
