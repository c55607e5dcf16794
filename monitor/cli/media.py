"""`monitor media ...`: the articles that name contracted suppliers, and marking false matches."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from monitor.cli.common import ListFormat, console, print_table, state_of, translator, user_errors
from monitor.imports.fields import org_number_as_stored
from monitor.media.listing import list_articles
from monitor.phrasing import fixed
from monitor.texts import Texts
from monitor.timestamps import day_start

# JSON output, match reasons (exact_name, company_context ...) and term ids stay as stored.
TEXTS = Texts(
    sv={
        "list_title": "Artiklar som nämner leverantörer ({n})",
        "heads": "id|publicerad|leverantör|träff|risk|nyckelord|rubrik|källor",
        "ignored": "bortsedd",
        "ignored_done": "Artikel {article}: {n:träff|träffar} bortsedda; nästa `monitor score` räknar inte med dem.",
        "article": "Artikel {article}",
        "no_supplier": "Nämner ingen leverantör i registret.",
        "stored": " (lagrad {risk})",
        "ignored_mark": " – bortsedd",
        "named_as": "  nämnd som \u201d{surface}\u201d: {reason} {confidence}{note}{counts}",
        "does_not_count": " – räknas inte",
        "for_risk": "  + {words} ({term}, mening {sentence}, {link}): {points} poäng",
        "sentence": ", mening {sentence}",
        "praise": "  beröm nära namnet sänker poängen",
        "carried_by": "  bärs av: \u00bb{sentence}\u00ab",
    },
    en={
        "list_title": "Articles naming suppliers ({n})",
        "heads": "id|published|supplier|match|risk|keywords|title|sources",
        "ignored": "ignored",
        "ignored_done": "Article {article}: {n:match|matches} ignored; the next `monitor score` leaves them out.",
        "article": "Article {article}",
        "no_supplier": "Names no supplier in the register.",
        "stored": " (stored {risk})",
        "ignored_mark": " – ignored",
        "named_as": "  named as \u201d{surface}\u201d: {reason} {confidence}{note}{counts}",
        "does_not_count": " – does not count",
        "for_risk": "  + {words} ({term}, sentence {sentence}, {link}): {points} points",
        "sentence": ", sentence {sentence}",
        "praise": "  praise near the name lowers the points",
        "carried_by": "  carried by: \u00bb{sentence}\u00ab",
    },
)


media_app = typer.Typer(no_args_is_help=True,
                        help="List the articles that name suppliers, explain one, ignore false matches.")


@media_app.command("list")
@user_errors
def media_list(
    ctx: typer.Context,
    supplier: Annotated[str | None, typer.Option(help="Only this supplier (org number).")] = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after.")] = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """The articles that name a contracted supplier, with the match, its risk words and risk.

    Articles are matched when `monitor feeds poll` stores them, and again at `monitor score`
    when the supplier register or media.yaml changed."""
    state = state_of(ctx)
    with state.engine(create=False).connect() as conn:
        rows = list_articles(conn, supplier, day_start(since.date()) if since else None)
    if format is ListFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    t, language = translator(ctx, TEXTS), state.settings.language
    table = Table(title=t("list_title", n=len(rows)))
    for name in t("heads").split("|"):
        table.add_column(name)
    for r in rows:
        risk = t("ignored") if r["ignored"] else fixed(r["risk"], 2, language)
        table.add_row(str(r["article_id"]), r["published"][:10], escape(r["supplier_name"]),
                      f"{r['match_reason']} {fixed(r['confidence'], 2, language)}", risk,
                      escape(", ".join(r["keywords"])),
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
    console.print(translator(ctx, TEXTS)("ignored_done", article=article_id, n=changed), highlight=False,
                  markup=False)


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
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """Why an article gives a supplier risk: which mention matched, the words that counted for
    and against risk, and the resulting risk (read again with media.yaml as it stands)."""
    state = state_of(ctx)
    with state.engine(create=False).connect() as conn:
        result = explain_stored_article(conn, state.settings.resolved("rules_dir"), article_id)
    if format is ListFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    t, language = translator(ctx, TEXTS), state.settings.language
    console.print(f"[bold]{t('article', article=result['article_id'])}[/]: {escape(result['title'])}",
                  highlight=False)
    if not result["suppliers"]:
        console.print(t("no_supplier"), highlight=False)
    for s in result["suppliers"]:
        stored = "" if s["stored_risk"] is None else t("stored", risk=fixed(s["stored_risk"], 2, language))
        console.print(f"\n[bold]{escape(s['supplier_name'])}[/] {s['supplier_org_number']}: risk "
                      f"{fixed(s['risk'], 2, language)}{stored}{t('ignored_mark') if s['ignored'] else ''}",
                      highlight=False)
        for mention in s["mentions"]:
            note = f", {mention['note']}" if mention["note"] else ""
            console.print(t("named_as", surface=mention["surface"], reason=mention["reason"],
                            confidence=fixed(mention["confidence"], 2, language), note=note,
                            counts="" if mention["counts"] else t("does_not_count")),
                          highlight=False, markup=False)
        for k in s["for_risk"]:
            console.print(t("for_risk", words=k["words"], term=k["term"], sentence=k["sentence"], link=k["link"],
                            points=fixed(k["points"], 2, language)), highlight=False, markup=False)
        for k in s["against_risk"]:
            where = t("sentence", sentence=k["sentence"]) if k["sentence"] else ""
            console.print(f"  - {k['words']}{where}: {k['why']}", highlight=False, markup=False)
        if s["praise"]:
            console.print(t("praise"), highlight=False)
        if s["risk_sentence"]:
            console.print(t("carried_by", sentence=s["risk_sentence"]), highlight=False, markup=False)
