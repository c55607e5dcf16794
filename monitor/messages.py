"""Finding details in the team's language. Detectors store a message key and its numbers;
the text is made when shown, in Swedish by default."""

from __future__ import annotations

from typing import Any

Language = str

DETAILS: dict[str, dict[str, str]] = {
    "sv": {
        "door_observation_mismatch": (
            "{visits} besök registrerade under en portobservation ({minutes} min) där ingen personal sågs"
        ),
        "door_observation_mismatch:many": (
            "{visits} besök registrerade under {findings} portobservationer där ingen personal sågs"
        ),
    },
    "en": {
        "door_observation_mismatch": (
            "{visits} visits registered during a door observation ({minutes} min) in which no staff were seen"
        ),
        "door_observation_mismatch:many": (
            "{visits} visits registered during {findings} door observations in which no staff were seen"
        ),
    },
}


def render_summary(details: list[dict[str, Any]], language: Language = "sv") -> str:
    """One sentence for several findings of one rule: numbers summed, count as {findings}."""
    if len(details) == 1:
        return render_detail(details[0], language)
    key = details[0].get("key", "")
    catalogue = DETAILS.get(language, DETAILS["sv"])
    template = catalogue.get(f"{key}:many")
    if template is None:
        return f"{len(details)} × {render_detail(details[0], language)}"
    totals: dict[str, Any] = {"findings": len(details)}
    for detail in details:
        for name, value in detail.get("args", {}).items():
            if isinstance(value, int | float):
                totals[name] = totals.get(name, 0) + value
    return template.format(**totals)


def render_detail(detail: dict[str, Any], language: Language = "sv") -> str:
    catalogue = DETAILS.get(language, DETAILS["sv"])
    template = catalogue.get(detail.get("key", ""), "")
    if not template:
        return str(detail.get("key", ""))
    return template.format(**detail.get("args", {}))
