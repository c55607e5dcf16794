"""The states of an alert and the steps between them.

ny -> under_granskning (with an assignee) -> eskalerad | bekraftad | avskriven. An obvious false
alarm can be dismissed straight from ny; an escalated case can end confirmed or dismissed.
Confirmed and dismissed are closed: only new evidence re-opens a dismissed alert (sync.py)."""

from __future__ import annotations

from typing import Any

from monitor.texts import Texts

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


# What the follow-up team is told when an alert cannot do what they asked, in the web UI and on
# the command line, in the run's language (the exception's own text stays English, for logs).
ERRORS = Texts(
    sv={
        "no_supplier": "Ingen leverantör har organisationsnummer '{org}'.",
        "no_alert": "{name} ({org}) har inget larm: poängen har inte nått larmgränsen.",
        "no_finding": "{name} ({org}) har inget fynd {finding}.",
        "no_run": "Ingen poängsättning ännu: kör `monitor score` först.",
        "transition": "Ett larm som är {current} kan inte bli {target} (möjligt: {allowed}).",
        "transition_closed": "Ett larm som är {current} är stängt och kan inte bli {target}.",
        "no_actor": "Ange vem som gör ändringen (--by NAMN).",
        "actor_long": "Namnet är längre än 200 tecken.",
        "dismiss_reason": "Okänt skäl '{reason}' att skriva av: välj ett av {allowed} "
                          "(alerts.dismiss_reasons i rules/scoring.yaml).",
        "dismiss_text": "Skriv med några ord varför larmet skrivs av.",
        "closed_assign": "Larmet är stängt ({state}) och kan inte tilldelas.",
        "closed_snooze": "Larmet är stängt ({state}) och kan inte snoozas.",
        "snooze_reason": "Skriv varför larmet snoozas.",
        "snooze_past": "Snooze till {until} ligger inte i framtiden.",
        "snooze_date": "'{until}' är inget datum (ÅÅÅÅ-MM-DD).",
        "snooze_when": "Ange ett datum att snooza till.",
        "note_empty": "Anteckningen är tom.",
        "no_assignee": "Ange vem larmet tilldelas.",
        "control": "{field}: kontrolltecken är inte tillåtna.",
        "unknown_state": "Okänt läge '{state}': välj ett av {allowed}.",
        "unknown_action": "Okänd åtgärd '{action}': välj en av {allowed}.",
    },
    en={
        "no_supplier": "no supplier with org number '{org}'",
        "no_alert": "{name} ({org}) has no alert: its score has not reached the alert threshold",
        "no_finding": "no finding {finding} of {name} ({org})",
        "no_run": "no scoring run yet: run `monitor score` first",
        "transition": "an alert in state '{current}' cannot go to '{target}' (allowed: {allowed})",
        "transition_closed": "an alert in state '{current}' cannot go to '{target}' "
                             "(allowed: none: the alert is closed)",
        "no_actor": "say who is acting (--by NAME)",
        "actor_long": "the name given with --by is longer than 200 characters",
        "dismiss_reason": "unknown dismiss reason '{reason}': use one of {allowed} "
                          "(alerts.dismiss_reasons in rules/scoring.yaml)",
        "dismiss_text": "say in a few words why the alert is dismissed (--text)",
        "closed_assign": "the alert is closed ({state}): it cannot be assigned",
        "closed_snooze": "the alert is closed ({state}): it cannot be snoozed",
        "snooze_reason": "say why the alert is snoozed (--reason)",
        "snooze_past": "snooze until {until} is not in the future",
        "snooze_date": "snooze until '{until}' is not a date (YYYY-MM-DD)",
        "snooze_when": "give a date to snooze until",
        "note_empty": "the note is empty",
        "no_assignee": "say whom the alert is assigned to",
        "control": "{field}: control characters are not allowed",
        "unknown_state": "unknown state '{state}': use one of {allowed}",
        "unknown_action": "unknown action '{action}': use one of {allowed}",
    },
)


class AlertError(LookupError):
    """Something the user asked of an alert that cannot be done (no such alert, a step not
    allowed from its state, a missing reason). A LookupError, so commands end with one line
    and exit code 2 (monitor.cli.common.user_errors). Its text is English; `describe` words it
    in the user's language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, {k: str(v) for k, v in values.items()}
        super().__init__(ERRORS("en", key, **self.values))

    def describe(self, language: str) -> str:
        return ERRORS(language, self.key, **self.values)


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ()))
        if not allowed:
            raise AlertError("transition_closed", current=current, target=target)
        raise AlertError("transition", current=current, target=target, allowed=allowed)


def evidence_kinds(reasons: list[dict[str, Any]]) -> list[str]:
    """The kinds of evidence behind reasons: "rule:<id>" for each rule, "outlier", "media"."""
    kinds = {f"rule:{r['id']}" if r.get("source") == "rule" else str(r.get("source")) for r in reasons}
    return sorted(kinds)


def check_actor(actor: str) -> str:
    name = actor.strip()
    if not name:
        raise AlertError("no_actor")
    if len(name) > 200:
        raise AlertError("actor_long")
    return name
