"""From stored articles to media signals per supplier: who is named, and what is said about them.

`match_articles` runs the supplier matcher and the risk keywords over the stored articles and
keeps one row per (article, supplier) in article_matches. It runs after each poll and in
`monitor score`: a new article is matched once; when the supplier register or media.yaml changed, every article is
matched again, so the change applies to old articles too. The team's "ignore" marks survive
re-matching. `media_signals` turns the matches into a strength per supplier for the
risk score: articles combine like independent signals, 1 - prod(1 - risk * recency), so a
second article adds less than the first and an old one fades.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from monitor.db import utcnow
from monitor.media.keywords import ArticleRisk, MediaRules, analyse_article, score_article
from monitor.media.matching import SupplierName
from monitor.models import Article, ArticleMatch, Supplier
from monitor.recency import decay
from monitor.timestamps import STOCKHOLM

logger = logging.getLogger(__name__)
# How many articles a media reason names.
SHOWN_ARTICLES = 3
CLEARING = "clearing"
# Raise when the matching or the risk words' reading changes in code, so stored matches are redone.
MATCHING_VERSION = 2  # 2: frames (clearing, victim, sector), attribution, the risk sentence
# Longest risk-carrying sentence kept with a match (shown in the digest and the UI).
SENTENCE_CHARS = 400


@dataclass
class MatchSummary:
    articles: int = 0
    matches: int = 0
    with_risk: int = 0


@dataclass
class SupplierMedia:
    supplier_id: int
    strength: float  # 0..1
    articles: list[dict[str, Any]] = field(default_factory=list)  # the strongest first


def article_text(title: str, summary: str) -> str:
    # The title is its own paragraph: a keyword in the title counts for a name in the title.
    return f"{title}.\n\n{summary}" if summary else title


def matching_fingerprint(suppliers: list[SupplierName], rules: MediaRules) -> str:
    """What an article's matches depend on: the supplier register's names and media.yaml as read
    (a comment changed in the file is no change), and the matching code's version."""
    register = sorted((x.supplier_id, x.org_number, x.name, sorted(x.aliases)) for x in suppliers)
    blob = json.dumps([MATCHING_VERSION, register, rules.model_dump(mode="json")], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def match_articles(conn: Connection, rules: MediaRules) -> MatchSummary:
    """Match the articles not yet matched against the supplier register and media.yaml as they
    stand (every article, when either changed) and store what each says about each supplier."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    suppliers = [
        SupplierName(r.id, r.org_number, r.name, tuple(r.aliases or ()))
        for r in conn.execute(select(s.id, s.org_number, s.name, s.aliases))
    ]
    summary = MatchSummary()
    if not suppliers:
        return summary
    current = matching_fingerprint(suppliers, rules)
    a = Article.__table__.c  # type: ignore[attr-defined]
    stale = or_(a.matched_with.is_(None), a.matched_with != current)
    matcher = None
    for chunk in _id_chunks(conn.execute(select(a.id).where(stale).order_by(a.id)).scalars().all()):
        matcher = matcher or rules.build_matcher(suppliers)
        _match_chunk(conn, chunk, matcher, rules, summary)
        conn.execute(update(Article.__table__).where(a.id.in_(chunk)).values(matched_with=current))  # type: ignore[arg-type]
    logger.info("Matched articles articles=%d matches=%d with_risk=%d", summary.articles, summary.matches,
                summary.with_risk)
    return summary


def _id_chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    # Bounded IN lists: SQLite caps bound parameters, and a re-match of every article is large.
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _match_chunk(conn: Connection, ids: list[int], matcher: Any, rules: MediaRules, summary: MatchSummary) -> None:
    a = Article.__table__.c  # type: ignore[attr-defined]
    m = ArticleMatch.__table__  # type: ignore[attr-defined]
    ignored = {
        (r.article_id, r.supplier_id)
        for r in conn.execute(select(m.c.article_id, m.c.supplier_id)
                              .where(m.c.ignored.is_(True), m.c.article_id.in_(ids)))
    }
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for article in conn.execute(select(a.id, a.title, a.summary).where(a.id.in_(ids)).order_by(a.id)):
        summary.articles += 1
        text = article_text(article.title, article.summary)
        mentions = matcher.find(text)
        if not mentions:
            continue
        analysis = analyse_article(text, rules, mentions)
        by_supplier: dict[int, list[Any]] = defaultdict(list)
        for mention in mentions:
            by_supplier[mention.supplier_id].append(mention)
        for supplier_id, found in sorted(by_supplier.items()):
            best = max(found, key=lambda x: (x.confidence, -x.start))
            risk = score_article(text, found, rules, analysis)
            rows.append({
                "article_id": article.id, "supplier_id": supplier_id, "reason": best.reason,
                "confidence": round(best.confidence, 3), "surface": best.surface[:300],
                "risk": round(risk.risk, 4),
                "keywords": stored_keywords(risk, rules),
                "praise": risk.praise, "matched_at": now,
                "ignored": (article.id, supplier_id) in ignored,
            })
            summary.matches += 1
            summary.with_risk += risk.risk > 0
    # Re-made whole: a match the register or media.yaml no longer supports goes. An ignored match
    # stays, with its mark, even if it no longer matches, so it cannot come back unnoticed.
    conn.execute(delete(m).where(m.c.ignored.is_(False), m.c.article_id.in_(ids)))
    fresh = [r for r in rows if not r["ignored"]]
    if fresh:
        conn.execute(insert(m), fresh)
    for r in rows:
        if r["ignored"]:
            conn.execute(update(m).where(m.c.article_id == r["article_id"], m.c.supplier_id == r["supplier_id"])
                         .values({k: r[k] for k in ("reason", "confidence", "surface", "risk", "keywords", "praise",
                                                    "matched_at")}))


def stored_keywords(risk: ArticleRisk, rules: MediaRules) -> list[dict[str, Any]]:
    """What article_matches.keywords keeps: each risk word with what counted for and against
    it, the sentence that carried the risk on the strongest, and a clearing outcome as an entry
    of category "clearing" (no points), so no new column is needed for either."""
    entries: list[dict[str, Any]] = [
        {"term": k.term, "weight": k.weight, "negated": k.negated, "points": round(k.points, 3),
         "category": k.category, "against": k.against, "surface": k.surface[:100], "link": k.link}
        for k in risk.keywords
    ]
    if risk.sentence and entries:
        strongest = max(entries, key=lambda e: e["points"])
        strongest["sentence"] = risk.sentence[:SENTENCE_CHARS]
    if risk.cleared:
        entries.append({"term": risk.cleared, "weight": 0, "negated": True, "points": 0, "category": CLEARING,
                        "against": CLEARING, "earlier_factor": rules.clearing.earlier_factor})
    return entries


def risk_sentence(keywords: list[dict[str, Any]]) -> str | None:
    return next((k["sentence"] for k in keywords if k.get("sentence")), None)


def _clearings(conn: Connection, until: datetime | None) -> dict[int, list[tuple[datetime, float]]]:
    """Per supplier, when an article cleared it and by how much that lowers earlier ones."""
    m = ArticleMatch.__table__.c  # type: ignore[attr-defined]
    a = Article.__table__.c  # type: ignore[attr-defined]
    found: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    query = (select(m.supplier_id, m.keywords, a.published_at, a.first_seen_at)
             .join(Article.__table__, a.id == m.article_id)  # type: ignore[attr-defined]
             .where(m.ignored.is_(False)))
    for row in conn.execute(query):
        when = row.published_at or row.first_seen_at
        if until is not None and when >= until:
            continue
        for k in row.keywords:
            if k.get("category") == CLEARING:
                found[row.supplier_id].append((when, float(k.get("earlier_factor", 1.0))))
    return found


def media_signals(
    conn: Connection, as_of: datetime, half_life_days: float, until: datetime | None = None
) -> dict[int, SupplierMedia]:
    """Strength 0..1 per supplier from the articles that name it with risk, not ignored, and
    (with `until`) seen before it."""
    m = ArticleMatch.__table__.c  # type: ignore[attr-defined]
    a = Article.__table__.c  # type: ignore[attr-defined]
    query = (
        select(m.supplier_id, m.article_id, m.risk, m.keywords, a.title, a.url, a.published_at, a.first_seen_at,
               a.story_id)
        .join(Article.__table__, a.id == m.article_id)  # type: ignore[attr-defined]
        .where(m.ignored.is_(False), m.risk > 0)
        .order_by(m.supplier_id, m.article_id)
    )
    signals: dict[int, SupplierMedia] = {}
    # A story the team marked as a false match for a supplier stays out in every feed's copy.
    ignored_stories = {
        (r.supplier_id, r.story_id or r.article_id)
        for r in conn.execute(
            select(m.supplier_id, m.article_id, a.story_id)
            .join(Article.__table__, a.id == m.article_id)  # type: ignore[attr-defined]
            .where(m.ignored.is_(True))
        )
    }
    stories: set[tuple[int, int]] = set(ignored_stories)
    clearings = _clearings(conn, until)
    for row in conn.execute(query):
        # One story told in several feeds is one signal.
        story = (row.supplier_id, row.story_id or row.article_id)
        if story in stories:
            continue
        stories.add(story)
        when = row.published_at or row.first_seen_at
        if until is not None and when >= until:
            continue
        weight = row.risk * decay(when, as_of, half_life_days)
        # A later article that clears the supplier ("läggs ned", "frias") lowers this one.
        later = [factor for cleared_at, factor in clearings.get(row.supplier_id, []) if cleared_at > when]
        if later:
            weight *= min(later)
        media = signals.setdefault(row.supplier_id, SupplierMedia(row.supplier_id, 0.0))
        media.strength = 1 - (1 - media.strength) * (1 - min(1.0, weight))
        media.articles.append({
            "article_id": row.article_id, "title": row.title, "url": row.url,
            "published": when.astimezone(STOCKHOLM).date().isoformat() if when else None,
            "risk": round(row.risk, 3),
            "weight": round(weight, 3),
            "keywords": sorted({k["term"] for k in row.keywords if not k.get("negated")}),
            "sentence": risk_sentence(row.keywords),
            "cleared_later": bool(later),
        })
    for media in signals.values():
        media.articles.sort(key=lambda x: (-x["weight"], x["article_id"]))
        media.strength = round(media.strength, 4)
    return signals


def ignore_article(conn: Connection, article_id: int, reason: str, supplier_id: int | None = None) -> int:
    """Mark an article's matches (or one supplier's) as false, so they stop counting; rows changed."""
    m = ArticleMatch.__table__.c  # type: ignore[attr-defined]
    query = update(ArticleMatch.__table__).where(m.article_id == article_id)  # type: ignore[arg-type]
    if supplier_id is not None:
        query = query.where(m.supplier_id == supplier_id)
    return conn.execute(query.values(ignored=True, ignore_reason=reason, ignored_at=utcnow())).rowcount
