"""The digest's small risk-trend chart: the open alerts' scores over the latest regular runs,
as a PNG sent inside the email (CID), with alt text, and a caption giving the same numbers.

Supplier names stay out of the alt attribute: after CSS inlining an attribute keeps a name's
"<" as it is (valid HTML, but a needless risk with names from a register), while text is escaped."""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import Connection, select

from monitor.models import ScoringRun, Supplier, SupplierScore
from monitor.phrasing import fill

# Enough to see a course, few enough to read on a phone.
CHART_SUPPLIERS = 5
CHART_RUNS = 8


@dataclass(frozen=True)
class TrendChart:
    png: bytes
    alt: str  # what the picture is
    caption: str  # each supplier's course in numbers: "Hemtjänst Beta AB 50 → 70; ..."


def trend_chart(conn: Connection, org_numbers: list[str], t: dict[str, str], language: str) -> TrendChart | None:
    """The scores of `org_numbers` (the first CHART_SUPPLIERS) in the latest CHART_RUNS regular
    runs; None when there is no one to draw."""
    orgs = org_numbers[:CHART_SUPPLIERS]
    if not orgs:
        return None
    runs, ss, s = (m.__table__.c for m in (ScoringRun, SupplierScore, Supplier))  # type: ignore[attr-defined]
    run_ids = list(conn.execute(
        select(runs.id).where(runs.finished_at.is_not(None), runs.backfill.is_(False))
        .order_by(runs.id.desc()).limit(CHART_RUNS)).scalars())[::-1]
    if not run_ids:
        return None
    position = {run_id: i for i, run_id in enumerate(run_ids)}
    history: dict[str, list[tuple[int, float]]] = {org: [] for org in orgs}
    names: dict[str, str] = {}
    for row in conn.execute(select(ss.run_id, ss.score, s.org_number, s.name)
                            .join(Supplier.__table__, s.id == ss.supplier_id)  # type: ignore[attr-defined]
                            .where(ss.run_id.in_(run_ids), s.org_number.in_(orgs)).order_by(ss.run_id)):
        history[row.org_number].append((position[row.run_id], row.score))
        names[row.org_number] = row.name
    drawn = [org for org in orgs if history[org]]
    if not drawn:
        return None
    runs = max(len(points) for points in history.values())
    alt = fill(t["chart_alt"], {"suppliers": len(drawn), "runs": runs}, language)
    return TrendChart(_png(drawn, history, names, len(run_ids), t), alt, _caption(drawn, history, names))


def _caption(orgs: list[str], history: dict[str, list[tuple[int, float]]], names: dict[str, str]) -> str:
    def course(org: str) -> str:
        return f"{names[org]} {' → '.join(f'{score:.0f}' for _, score in history[org])}"

    return "; ".join(course(org) for org in orgs)


def _png(orgs: list[str], history: dict[str, list[tuple[int, float]]], names: dict[str, str], runs: int,
         t: dict[str, str]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no screen
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.6), dpi=100)
    try:
        for org in orgs:
            xs, ys = zip(*history[org], strict=True)
            # Names come from the supplier register: '$' would start matplotlib's math text.
            ax.plot(xs, ys, marker="o", label=names[org].replace("$", r"\$"))
        ax.set_ylim(0, 100)
        ax.set_xlim(-0.5, max(runs - 0.5, 0.5))
        ax.set_xticks([])
        ax.set_xlabel(t["chart_x"])
        ax.set_ylabel(t["score"])
        ax.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)
