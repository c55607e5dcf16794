"""Reasons that are not rule findings, worded for the reader when shown (Swedish by default)."""

from __future__ import annotations

from typing import Any

TITLES = {
    "sv": {"outlier": "Avviker från jämförbara leverantörer", "media": "Uppmärksammad i media"},
    "en": {"outlier": "Unlike comparable suppliers", "media": "In the news"},
}
_ARTICLES = {
    "sv": ("1 artikel", "{n} artiklar", "bland annat"),
    "en": ("1 article", "{n} articles", "among them"),
}
_PEERS = {
    "sv": "jämfört med {peers} leverantörer inom {group}",
    "en": "compared with {peers} suppliers in {group}",
}
_NO_SINGLE_FEATURE = {
    "sv": "ovanlig kombination av flera mått, inget enskilt mått sticker ut",
    "en": "an unusual combination of several measures, none stands out alone",
}


def word_outlier(reason: dict[str, Any], language: str = "sv") -> dict[str, str]:
    """Title and detail of an outlier reason: the features behind it, each beside the peer median."""
    from monitor.ranking.features import describe_feature

    language = language if language in TITLES else "sv"
    parts = [
        describe_feature(e["feature"], e["value"], e["peer_median"], language)
        for e in reason.get("explanations", [])
    ] or [_NO_SINGLE_FEATURE[language]]
    context = _PEERS[language].format(peers=reason.get("peers", 0), group=reason.get("peer_group", ""))
    if reason.get("fallback"):
        context += f"; {reason['fallback']}"
    return {"title": TITLES[language]["outlier"], "detail": f"{'; '.join(parts)} ({context})"}


def word_media(reason: dict[str, Any], language: str = "sv") -> dict[str, str]:
    """Title and detail of a media reason: how many articles, and the strongest with its words."""
    language = language if language in TITLES else "sv"
    one, many, among = _ARTICLES[language]
    n = reason.get("article_count", 0)
    parts = []
    for article in reason.get("articles", []):
        words = ", ".join(article.get("keywords", []))
        when = article.get("published") or "?"
        part = f"\u201d{article['title']}\u201d ({when}{': ' + words if words else ''})"
        sentence = article.get("sentence")
        # The sentence that carried the risk, unless it is the headline itself.
        if sentence and sentence.rstrip(" .!?") != " ".join(article["title"].split()).rstrip(" .!?"):
            part += f" \u2013 \u00bb{sentence}\u00ab"
        parts.append(part)
    head = one if n == 1 else many.format(n=n)
    detail = f"{head}: {'; '.join(parts)}" if n == 1 else f"{head}, {among}: {'; '.join(parts)}"
    return {"title": TITLES[language]["media"], "detail": detail}


def reworded(reason: dict[str, Any], language: str) -> dict[str, Any]:
    """A stored reason in the reader's language."""
    from monitor.messages import render_summary

    if reason.get("source") == "outlier":
        return {**reason, **word_outlier(reason, language)}
    if reason.get("source") == "media":
        return {**reason, **word_media(reason, language)}
    if reason.get("source") == "rule" and reason.get("titles"):
        titles = reason["titles"]
        reason = {**reason, "title": titles.get(language) or titles.get("sv") or reason.get("title", "")}
    if reason.get("details"):
        return {**reason, "detail": render_summary(reason["details"], language)}
    return reason
