"""`monitor media ...`: the articles that name contracted suppliers, and marking false matches."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from monitor.cli.common import console, print_table, state_of, user_errors
from monitor.imports.fields import org_number_as_stored
from monitor.timestamps import day_start, local_iso

media_app = typer.Typer(no_args_is_help=True, help="List the articles that name suppliers; ignore false matches.")


class MediaFormat(StrEnum):
    table = "table"
    json = "json"


def list_articles(conn: Connection, supplier: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
    """Matched articles, newest first, as `monitor media list --format json` prints them."""
    from monitor.models import Article, ArticleMatch, ArticleSource, Feed, Supplier

    m, a, s = ArticleMatch.__table__.c, Article.__table__.c, Supplier.__table__.c  # type: ignore[attr-defined]
    query = (
        select(m.article_id, m.reason, m.confidence, m.risk, m.keywords, m.ignored, m.ignore_reason,
               a.title, a.url, a.published_at, a.first_seen_at, s.org_number, s.name)
        .join(Article.__table__, a.id == m.article_id)  # type: ignore[attr-defined]
        .join(Supplier.__table__, s.id == m.supplier_id)  # type: ignore[attr-defined]
    )
    if supplier:
        query = query.where(s.org_number == org_number_as_stored(supplier))
    rows = [r for r in conn.execute(query) if since is None or (r.published_at or r.first_seen_at) >= since]
    src, f = ArticleSource.__table__.c, Feed.__table__.c  # type: ignore[attr-defined]
    sources: dict[int, list[str]] = {}
    for r in conn.execute(select(src.article_id, f.name).join(Feed.__table__, f.id == src.feed_id)  # type: ignore[attr-defined]
                          .order_by(f.name)):
        sources.setdefault(r.article_id, []).append(r.name)
    out = [
        {
            "article_id": r.article_id, "title": r.title, "url": r.url,
            "published": local_iso(r.published_at or r.first_seen_at),
            "sources": sources.get(r.article_id, []),
            "supplier_org_number": r.org_number, "supplier_name": r.name,
            "match_reason": r.reason, "confidence": r.confidence,
            "keywords": sorted({k["term"] for k in r.keywords if not k.get("negated")}),
            "risk": r.risk, "ignored": r.ignored, "ignore_reason": r.ignore_reason,
        }
        for r in rows
    ]
    return sorted(out, key=lambda x: (x["published"], x["article_id"]), reverse=True)


@media_app.command("list")
@user_errors
def media_list(
    ctx: typer.Context,
    supplier: Annotated[str | None, typer.Option(help="Only this supplier (org number).")] = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after.")] = None,
    format: Annotated[MediaFormat, typer.Option("--format", "-f", help="table or json.")] = MediaFormat.table,
) -> None:
    """The articles that name a contracted supplier, with the match, its risk words and risk.

    Articles are matched when `monitor feeds poll` stores them, and again at `monitor score`
    when the supplier register or media.yaml changed."""
    state = state_of(ctx)
    with state.engine(create=False).connect() as conn:
        rows = list_articles(conn, supplier, day_start(since.date()) if since else None)
    if format is MediaFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Articles naming suppliers ({len(rows)})")
    for name in ("id", "published", "supplier", "match", "risk", "keywords", "title", "sources"):
        table.add_column(name)
    for r in rows:
        risk = "ignored" if r["ignored"] else f"{r['risk']:.2f}"
        table.add_row(str(r["article_id"]), r["published"][:10], escape(r["supplier_name"]),
                      f"{r['match_reason']} {r['confidence']:.2f}", risk, escape(", ".join(r["keywords"])),
                      escape(r["title"]), escape(", ".join(r["sources"])))
    print_table(table)


@media_app.command("ignore")
@user_errors
def media_ignore(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(help="The article's id, from `monitor media list`.")],
    reason: Annotated[str, typer.Option(help="Why the match is false, kept with it.")],
    supplier: Annotated[str | None, typer.Option(help="Only this supplier's match (org number).")] = None,
) -> None:
    """Mark an article as a false match so it stops counting in the risk score (from the next
    `monitor score`). The mark survives re-matching."""
    from monitor.media.signals import ignore_article
    from monitor.models import Supplier

    state = state_of(ctx)
    with state.engine(create=False).begin() as conn:
        supplier_id = None
        if supplier:
            s = Supplier.__table__.c  # type: ignore[attr-defined]
            supplier_id = conn.execute(select(s.id).where(s.org_number == org_number_as_stored(supplier))).scalar()
            if supplier_id is None:
                raise LookupError(f"no supplier with org number {supplier!r}")
        changed = ignore_article(conn, article_id, reason, supplier_id)
    if not changed:
        raise LookupError(f"article {article_id} names no supplier (see `monitor media list`)")
    console.print(f"Article {article_id}: {changed} match(es) ignored; the next `monitor score` leaves them out.",
                  highlight=False)



