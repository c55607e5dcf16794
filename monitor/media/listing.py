"""The articles that name a supplier, as `monitor media list` and the supplier page show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.imports.fields import org_number_as_stored
from monitor.timestamps import local_iso


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
