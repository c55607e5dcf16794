"""`monitor media ...`: the articles that name contracted suppliers, and marking false matches."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from monitor.cli.common import console, print_table, state_of, user_errors
from monitor.imports.fields import org_number_as_stored
from monitor.timestamps import day_start, local_iso

media_app = typer.Typer(no_args_is_help=True,
                        help="List the articles that name suppliers, explain one, ignore false matches.")


class MediaFormat(StrEnum):
    table = "table"
    json = "json"


def list_articles(conn: Connection, supplier: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
    """Matched articles, newest first, as `monitor media list --format json` prints them."""
    from monitor.media.signals import risk_sentence
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
            "risk": r.risk, "risk_sentence": risk_sentence(r.keywords), "ignored": r.ignored,
            "ignore_reason": r.ignore_reason,
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





def explain_stored_article(conn: Connection, rules_dir: Path, article_id: int) -> dict[str, Any]:
    """One article read again against the register and media.yaml, as `explain --format json` prints it."""
    from monitor.media.explain import explain_article
    from monitor.media.keywords import load_media_rules
    from monitor.media.matching import SupplierName
    from monitor.media.signals import article_text
    from monitor.models import Article, ArticleMatch, Supplier

    a, m, s = Article.__table__.c, ArticleMatch.__table__.c, Supplier.__table__.c  # type: ignore[attr-defined]
    article = conn.execute(select(a.id, a.title, a.summary, a.url).where(a.id == article_id)).first()
    if article is None:
        raise LookupError(f"no article with id {article_id} (see `monitor media list`)")
    rules = load_media_rules(rules_dir)
    rows = conn.execute(select(s.id, s.org_number, s.name, s.aliases)).all()
    suppliers = [SupplierName(r.id, r.org_number, r.name, tuple(r.aliases or ())) for r in rows]
    org_numbers = {r.id: r.org_number for r in rows}
    stored = {r.supplier_id: (r.risk, r.ignored) for r in conn.execute(
        select(m.supplier_id, m.risk, m.ignored).where(m.article_id == article_id))}
    explained = explain_article(article_text(article.title, article.summary), suppliers, rules)
    for supplier in explained:
        supplier["supplier_org_number"] = org_numbers[supplier["supplier_id"]]
        supplier["stored_risk"], supplier["ignored"] = stored.get(supplier["supplier_id"], (None, False))
    return {"article_id": article.id, "title": article.title, "url": article.url, "suppliers": explained}


@media_app.command("explain")
@user_errors
def media_explain(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(help="The article's id, from `monitor media list`.")],
    format: Annotated[MediaFormat, typer.Option("--format", "-f", help="table or json.")] = MediaFormat.table,
) -> None:
    """Why an article gives a supplier risk: which mention matched, the words that counted for
    and against risk, and the resulting risk (read again with media.yaml as it stands)."""
    state = state_of(ctx)
    with state.engine(create=False).connect() as conn:
        result = explain_stored_article(conn, state.settings.resolved("rules_dir"), article_id)
    if format is MediaFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]Article {result['article_id']}[/]: {escape(result['title'])}", highlight=False)
    if not result["suppliers"]:
        console.print("Names no supplier in the register.", highlight=False)
    for s in result["suppliers"]:
        stored = "" if s["stored_risk"] is None else f" (stored {s['stored_risk']:.2f})"
        console.print(f"\n[bold]{escape(s['supplier_name'])}[/] {s['supplier_org_number']}: risk {s['risk']:.2f}"
                      f"{stored}{' – ignored' if s['ignored'] else ''}", highlight=False)
        for mention in s["mentions"]:
            note = f", {mention['note']}" if mention["note"] else ""
            counts = "" if mention["counts"] else " – does not count"
            console.print(f"  named as \u201d{escape(mention['surface'])}\u201d: {mention['reason']} "
                          f"{mention['confidence']:.2f}{escape(note)}{counts}", highlight=False)
        for k in s["for_risk"]:
            console.print(f"  + {escape(k['words'])} ({k['term']}, sentence {k['sentence']}, {k['link']}): "
                          f"{k['points']:.2f} points", highlight=False)
        for k in s["against_risk"]:
            where = f", sentence {k['sentence']}" if k["sentence"] else ""
            console.print(f"  - {escape(k['words'])}{where}: {escape(k['why'])}", highlight=False)
        if s["praise"]:
            console.print("  praise near the name lowers the points", highlight=False)
        if s["risk_sentence"]:
            console.print(f"  carried by: \u00bb{escape(s['risk_sentence'])}\u00ab", highlight=False)
