"""The states of an alert and the steps between them.

ny -> under_granskning (with an assignee) -> eskalerad | bekraftad | avskriven. An obvious false
alarm can be dismissed straight from ny; an escalated case can end confirmed or dismissed.
Confirmed and dismissed are closed: only new evidence re-opens a dismissed alert (sync.py)."""

from __future__ import annotations

from typing import Any

NEW = "ny"
IN_REVIEW = "under_granskning"
ESCALATED = "eskalerad"
CONFIRMED = "bekraftad"
DISMISSED = "avskriven"
STATES = (NEW, IN_REVIEW, ESCALATED, CONFIRMED, DISMISSED)
# Still to be acted on: these can be snoozed, assigned and woken.
OPEN_STATES = (NEW, IN_REVIEW, ESCALATED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (IN_REVIEW, DISMISSED),
    IN_REVIEW: (ESCALATED, CONFIRMED, DISMISSED),
    ESCALATED: (CONFIRMED, DISMISSED),
    CONFIRMED: (),
    DISMISSED: (),
}
# Who acts when a scoring run opens, wakes or re-opens an alert.
SYSTEM = "system"


class AlertError(LookupError):
    """Something the user asked of an alert that cannot be done (no such alert, a step not
    allowed from its state, a missing reason). A LookupError, so commands end with one line
    and exit code 2 (monitor.cli.common.user_errors)."""


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "none: the alert is closed"
        raise AlertError(f"an alert in state {current!r} cannot go to {target!r} (allowed: {allowed})")


def evidence_kinds(reasons: list[dict[str, Any]]) -> list[str]:
    """The kinds of evidence behind reasons: "rule:<id>" for each rule, "outlier", "media"."""
    kinds = {f"rule:{r['id']}" if r.get("source") == "rule" else str(r.get("source")) for r in reasons}
    return sorted(kinds)


def check_actor(actor: str) -> str:
    name = actor.strip()
    if not name:
        raise AlertError("say who is acting (--by NAME)")
    if len(name) > 200:
        raise AlertError("the name given with --by is longer than 200 characters")
    return name
