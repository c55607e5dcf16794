"""The digest's alert sections: what changed in the alerts during the week it covers.

A supplier appears in one section only, the first that fits: new (opened or re-opened this
week), woken from snooze, rising (score up since the previous run), still open, closed this
week. A dismissed alert stays dismissed in the digest until sync.py re-opens it on new
evidence, so the team is never told again about a case it already judged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from monitor.alerts.states import CONFIRMED, DISMISSED, IN_REVIEW, NEW, OPEN_STATES
from monitor.models import Alert, AlertEvent, ArticleSource, Feed, Supplier
from monitor.phrasing import fill
from monitor.ranking.report import TREND_POINTS
from monitor.ranking.wording import reworded
from monitor.timestamps import STOCKHOLM

_alerts = Alert.__table__  # type: ignore[attr-defined]
_events = AlertEvent.__table__  # type: ignore[attr-defined]
_suppliers = Supplier.__table__  # type: ignore[attr-defined]
_sources = ArticleSource.__table__  # type: ignore[attr-defined]
_feeds = Feed.__table__  # type: ignore[attr-defined]
# A score up by at least this since the previous run counts as rising, as in the ranking.
RISING_POINTS = TREND_POINTS
# Reasons shown per supplier; the rest are counted and linked.
SHOWN_REASONS = 2


@dataclass(frozen=True)
class SectionReason:
    """One reason as the digest shows it, in the reader's language."""

    title: str
    detail: str


@dataclass(frozen=True)
class Headline:
    """A news article behind a media reason. Title and outlet come from feeds, so they are
    untrusted: the HTML template escapes them, and only an http(s) address becomes a link."""

    title: str
    url: str | None
    outlet: str
    date: str


@dataclass(frozen=True)
class SectionAlert:
    name: str
    org_number: str
    state: str  # worded in the reader's language
    assignee: str | None
    score: str
    change: str  # "+12", "−3" or "" (no previous score, or unchanged)
    reasons: list[SectionReason]
    more: str  # "och 3 skäl till", or ""
    link: str | None  # the supplier's page in the UI, when MONITOR_BASE_URL is set
    why: str | None  # why it was woken or re-opened
    headlines: list[Headline] = field(default_factory=list)


@dataclass(frozen=True)
class DigestSections:
    new: list[SectionAlert] = field(default_factory=list)
    woken: list[SectionAlert] = field(default_factory=list)
    rising: list[SectionAlert] = field(default_factory=list)
    still_open: list[SectionAlert] = field(default_factory=list)
    closed: list[SectionAlert] = field(default_factory=list)
    in_review: int = 0

    @property
    def anything_new(self) -> bool:
        return bool(self.new or self.woken or self.rising)


def top_line(sections: DigestSections, t: dict[str, str], language: str) -> str:
    """"3 nya larm, 2 stigande, 1 väckt ur snooze; 4 under granskning"."""
    return fill(t["top_line"], {"new": len(sections.new), "rising": len(sections.rising),
                                "woken": len(sections.woken), "review": sections.in_review}, language)


def data_period(start: datetime | None, end: datetime | None, t: dict[str, str]) -> str:
    """"besök 5 okt – 1 nov": the visits the latest regular run judged."""
    if start is None or end is None:
        return ""

    def day(d: date) -> str:
        return _day(d, t)

    first = start.astimezone(STOCKHOLM).date()
    # The window ends at an exclusive instant (midnight after the last day).
    last = (end.astimezone(STOCKHOLM) - timedelta(microseconds=1)).date()
    year = f" {last.year}" if first.year != last.year else ""
    return t["data_period"].format(start=day(first) + year, end=f"{day(last)}{year}")


def _day(d: date, t: dict[str, str]) -> str:
    return f"{d.day} {t['months'].split()[d.month - 1]}"


def worded_cause(cause: dict[str, Any] | None, t: dict[str, str], language: str) -> str | None:
    """Why the system woke or re-opened an alert (the event's after.cause), in words."""
    if not cause:
        return None
    kind = cause.get("kind")
    if kind == "snooze_expired":
        return t["cause_snooze_expired"]
    if kind == "score_rise":
        return fill(t["cause_score_rise"], {"before": round(cause["from"]), "after": round(cause["to"])}, language)
    if kind == "new_finding":
        return t["cause_new_finding"].format(severity=cause.get("severity", ""), rule=cause.get("rule_id", ""))
    if kind == "new_evidence":
        return t["cause_new_evidence"].format(kinds=", ".join(cause.get("kinds", [])))
    if kind == "threshold":
        return fill(t["cause_threshold"], {"score": round(cause["score"]), "threshold": cause["threshold"]},
                    language)
    return None


def _change(score: float, previous: float | None) -> str:
    if previous is None or round(score) == round(previous):
        return ""
    delta = round(score) - round(previous)
    return f"+{delta}" if delta > 0 else f"\u2212{-delta}"


def build_sections(conn: Connection, t: dict[str, str], language: str, now: datetime,
                   previous_scores: dict[str, float], base_url: str | None) -> DigestSections:
    """The week's sections (the seven days before `now`). `previous_scores`: org number ->
    score in the run before the latest, for the change and for "rising"."""
    since = now - timedelta(days=7)
    rows = conn.execute(
        select(_alerts, _suppliers.c.org_number, _suppliers.c.name)
        .join(_suppliers, _suppliers.c.id == _alerts.c.supplier_id)
    ).all()
    events: dict[int, list[Any]] = {}
    for e in conn.execute(select(_events).where(_events.c.at >= since).order_by(_events.c.id)):
        events.setdefault(e.alert_id, []).append(e)
    sections = DigestSections(in_review=sum(1 for r in rows if r.state == IN_REVIEW))
    outlets = _outlets(conn, rows)
    for row in sorted(rows, key=lambda r: (-r.score, r.org_number)):
        week = events.get(row.id, [])
        actions = [e.action for e in week]
        latest_cause = next((e.after.get("cause") for e in reversed(week)
                             if e.action in ("wake", "reopen", "open")), None)
        previous = previous_scores.get(row.org_number)
        snoozed = row.snoozed_until is not None and row.snoozed_until > now
        if row.state == NEW and ("open" in actions or "reopen" in actions):
            why = worded_cause(latest_cause, t, language) if "reopen" in actions else None
            sections.new.append(_alert(row, t, language, outlets, previous, base_url, why))
        elif row.state in OPEN_STATES and "wake" in actions and not snoozed:
            sections.woken.append(_alert(row, t, language, outlets, previous, base_url,
                                         worded_cause(latest_cause, t, language)))
        elif row.state in OPEN_STATES and not snoozed and previous is not None \
                and row.score >= previous + RISING_POINTS:
            sections.rising.append(_alert(row, t, language, outlets, previous, base_url, None))
        elif row.state in OPEN_STATES and not snoozed:
            sections.still_open.append(_alert(row, t, language, outlets, previous, base_url, None))
        elif row.state in (CONFIRMED, DISMISSED) and any(
                e.after.get("state") == row.state and e.before.get("state") != row.state for e in week):
            sections.closed.append(_alert(row, t, language, outlets, previous, base_url, None))
    return sections


def _outlets(conn: Connection, rows: list[Any]) -> dict[int, str]:
    """Article id -> the name of the first feed that carried it, for the alerts' media reasons."""
    ids = {a["article_id"] for row in rows for r in row.reasons or [] if r.get("source") == "media"
           for a in r.get("articles", []) if a.get("article_id") is not None}
    if not ids:
        return {}
    found: dict[int, str] = {}
    for source in conn.execute(select(_sources.c.article_id, _feeds.c.name)
                               .join(_feeds, _feeds.c.id == _sources.c.feed_id)
                               .where(_sources.c.article_id.in_(ids)).order_by(_sources.c.id)):
        found.setdefault(source.article_id, source.name)
    return found


def _headlines(reasons: list[dict[str, Any]], outlets: dict[int, str], t: dict[str, str]) -> list[Headline]:
    out = []
    for reason in reasons:
        if reason.get("source") != "media":
            continue
        for article in reason.get("articles", []):
            url = article.get("url") or None
            if url is not None and not str(url).lower().startswith(("https://", "http://")):
                url = None  # a javascript: or data: address from a feed is never a link
            elif url is not None:
                # Quotes, angle brackets and spaces percent-encoded: the address stays one attribute.
                url = quote(str(url), safe=":/?#[]@!$&()*+,;=%~-._")
            when = article.get("published")
            out.append(Headline(
                title=str(article.get("title", "")), url=url, outlet=outlets.get(article.get("article_id"), ""),
                date=_day(date.fromisoformat(when), t) + f" {when[:4]}" if when else "",
            ))
    return out


def _alert(row: Any, t: dict[str, str], language: str, outlets: dict[int, str], previous: float | None,
           base_url: str | None, why: str | None) -> SectionAlert:
    reasons = sorted((reworded(r, language) for r in row.reasons or []),
                     key=lambda r: -float(r.get("points") or 0))
    rest = len(reasons) - SHOWN_REASONS
    return SectionAlert(
        name=row.name, org_number=row.org_number, state=t.get(f"state_{row.state}", row.state),
        assignee=row.assignee, score=f"{row.score:.0f}", change=_change(row.score, previous),
        reasons=[SectionReason(str(r.get("title", "")), str(r.get("detail", ""))) for r in reasons[:SHOWN_REASONS]],
        more=fill(t["more_reasons"], {"count": rest}, language) if rest > 0 else "",
        link=f"{base_url.rstrip('/')}/suppliers/{row.org_number}" if base_url else None,
        why=why,
        headlines=_headlines(row.reasons or [], outlets, t),
    )
