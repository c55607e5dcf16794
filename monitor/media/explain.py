"""Why an article gives a supplier risk, or none: for `monitor media explain ARTICLE_ID`.

The article is read again with the supplier register and media.yaml as they stand, so the
answer is what the next `monitor score` would store; the stored risk is shown beside it.
Unconfirmed common-word names are listed too (reason "needs_second_signal"), so an analyst
sees what was left out and why.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from monitor.media.keywords import MediaRules, analyse_article, score_article
from monitor.media.matching import Match, SupplierName


def explain_article(text: str, suppliers: list[SupplierName], rules: MediaRules) -> list[dict[str, Any]]:
    """Per supplier named in `text`: its mentions, the words for and against risk, and the risk."""
    names = {s.supplier_id: s for s in suppliers}
    mentions = rules.build_matcher(suppliers).find(text, keep_unconfirmed=True)
    counted = [m for m in mentions if m.reason != "needs_second_signal"]
    analysis = analyse_article(text, rules, counted)
    by_supplier: dict[Any, list[Match]] = defaultdict(list)
    for mention in mentions:
        by_supplier[mention.supplier_id].append(mention)
    out = []
    for supplier_id, found in by_supplier.items():
        usable = [m for m in found if m.reason != "needs_second_signal"]
        risk = score_article(text, usable, rules, analysis) if usable else None
        out.append({
            "supplier_id": supplier_id,
            "supplier_name": names[supplier_id].name,
            "mentions": [
                {"surface": m.surface, "reason": m.reason, "confidence": round(m.confidence, 2), "note": m.note,
                 "counts": m.reason != "needs_second_signal" and m.confidence >= rules.score.min_confidence}
                for m in found
            ],
            "for_risk": [
                {"term": k.term, "words": k.surface, "sentence": k.sentence + 1, "link": k.link,
                 "points": round(k.points, 2)}
                for k in (risk.keywords if risk else []) if not k.negated
            ],
            "against_risk": [
                {"term": k.term, "words": k.surface, "sentence": k.sentence + 1, "why": k.against}
                for k in (risk.keywords if risk else []) if k.negated
            ] + ([{"term": "", "words": risk.cleared, "sentence": None, "why": "clearing outcome: lowers earlier "
                   "articles about this supplier"}] if risk and risk.cleared else []),
            "praise": bool(risk and risk.praise),
            "risk": round(risk.risk, 4) if risk else 0.0,
            "risk_sentence": risk.sentence if risk else "",
        })
    return sorted(out, key=lambda x: (-x["risk"], str(x["supplier_name"])))
