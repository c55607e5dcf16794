"""Why the system opened, woke or re-opened an alert (the event's `after.cause`, in numbers),
and the steps of its history, in the reader's language: `monitor alerts show` and the web UI."""

from __future__ import annotations

from typing import Any

from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "cause_threshold": "risken {score} nådde larmgränsen {threshold}",
        "cause_snooze_expired": "snoozen löpte ut",
        "cause_score_rise": "risken steg från {before} till {after}",
        "cause_new_finding": "nytt fynd ({severity}): {rule}",
        "cause_new_evidence": "ny sorts underlag: {kinds}",
        "action_open": "öppnat", "action_review": "till granskning", "action_assign": "tilldelat",
        "action_escalate": "eskalerat", "action_confirm": "bekräftat", "action_dismiss": "avskrivet",
        "action_snooze": "snoozat", "action_wake": "väckt", "action_reopen": "öppnat igen", "action_note": "anteckning",
    },
    en={
        "cause_threshold": "risk {score} reached the alert threshold {threshold}",
        "cause_snooze_expired": "the snooze ran out",
        "cause_score_rise": "risk rose from {before} to {after}",
        "cause_new_finding": "new finding ({severity}): {rule}",
        "cause_new_evidence": "new kind of evidence: {kinds}",
        "action_open": "opened", "action_review": "taken into review", "action_assign": "assigned",
        "action_escalate": "escalated", "action_confirm": "confirmed", "action_dismiss": "dismissed",
        "action_snooze": "snoozed", "action_wake": "woken", "action_reopen": "re-opened", "action_note": "note",
    },
)


def worded_cause(cause: dict[str, Any] | None, language: str) -> str | None:
    """The cause in words, or None when the event has none (a person's step)."""
    if not cause:
        return None
    t = TEXTS.for_language(language)
    kind = cause.get("kind")
    if kind == "threshold":
        return t("cause_threshold", score=f"{cause['score']:.0f}", threshold=f"{cause['threshold']:g}")
    if kind == "snooze_expired":
        return t("cause_snooze_expired")
    if kind == "score_rise":
        return t("cause_score_rise", before=f"{cause['from']:.0f}", after=f"{cause['to']:.0f}")
    if kind == "new_finding":
        return t("cause_new_finding", severity=cause["severity"], rule=cause["rule_id"])
    if kind == "new_evidence":
        return t("cause_new_evidence", kinds=", ".join(cause["kinds"]))
    return None


def worded_action(action: str, language: str) -> str:
    key = f"action_{action}"
    return TEXTS(language, key) if key in TEXTS.catalogues["sv"] else action
