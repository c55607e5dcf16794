"""Finding details in the team's language. Detectors store a message key and its numbers;
the text is made when shown, in Swedish by default.

Each detector module carries its own MESSAGES; `KIND:many` words several findings of one
rule in one sentence. There, counts are summed, while percentages, ratios and thresholds
(args ending in `_pct`, `_ratio`, `_hours`, `_kmh`, or starting with `max_`/`threshold`)
show the largest value, since adding up shares means nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from monitor.phrasing import fill, format_number

Language = str
_NOT_SUMMED_SUFFIXES = ("_pct", "_ratio", "_hours", "_kmh")
_NOT_SUMMED_PREFIXES = ("max_", "threshold")


@cache
def catalogue(language: Language) -> dict[str, str]:
    from monitor.findings.detectors import DETECTORS

    merged: dict[str, str] = {}
    for detector in DETECTORS.values():
        merged.update(detector.messages.get(language) or detector.messages.get("sv", {}))
    return merged


def _summed(name: str) -> bool:
    return not (name.endswith(_NOT_SUMMED_SUFFIXES) or name.startswith(_NOT_SUMMED_PREFIXES))


def render_summary(details: list[dict[str, Any]], language: Language = "sv") -> str:
    """One sentence for several findings of one rule: numbers summed, count as {findings}."""
    if len(details) == 1:
        return render_detail(details[0], language)
    key = details[0].get("key", "")
    template = catalogue(language).get(f"{key}:many")
    if template is None:
        return f"{len(details)} × {render_detail(details[0], language)}"
    totals: dict[str, Any] = {"findings": len(details)}
    for detail in details:
        for name, value in detail.get("args", {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                totals.setdefault(name, value)
            elif _summed(name):
                totals[name] = totals.get(name, 0) + value
            else:
                totals[name] = max(totals.get(name, value), value)
    return fill(template, totals, language)


def render_detail(detail: dict[str, Any], language: Language = "sv") -> str:
    template = catalogue(language).get(detail.get("key", ""), "")
    if not template:
        return str(detail.get("key", ""))
    return fill(template, detail.get("args", {}), language)


__all__ = ["catalogue", "format_number", "render_detail", "render_summary"]
