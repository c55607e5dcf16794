"""`monitor digest`: this week's digest to the follow-up team."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from monitor.cli.common import console, err_console, state_of, translator, user_errors
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "sent": "Veckosammanställningen för {period} ({suppliers:leverantör|leverantörer} med) har levererats "
                "till {location}",
        "busy": "Veckosammanställningen för {period} skickas av en annan process just nu; inget gjordes.",
        "uncertain": "[bold yellow]Osäker leverans:[/] veckosammanställningen för {period} kan ha nått "
                     "e-postservern ({error}). Den skickas inte igen av sig själv: kontrollera om "
                     "uppföljningsteamet har fått den, och kör `monitor digest --force` bara om den inte har det.",
        "no_reason": "inget skäl sparat",
        "already": "Veckosammanställningen för {period} är redan levererad; --force skickar den igen.",
        "skipped": "Veckosammanställningen för {period} skickades inte: inget nytt, stigande eller väckt larm "
                   "(MONITOR_DIGEST_ONLY_WHEN_NEW); --force skickar den ändå.",
    },
    en={
        "sent": "Digest for {period} ({suppliers:supplier|suppliers} listed) delivered to {location}",
        "busy": "Digest for {period} is being sent by another process right now; nothing done.",
        "uncertain": "[bold yellow]Delivery uncertain:[/] the digest for {period} may have reached the mail "
                     "server ({error}). It is not sent again by itself: check whether the follow-up team "
                     "received it, and only if not run `monitor digest --force`.",
        "no_reason": "no reason recorded",
        "already": "Digest for {period} was already delivered; --force sends it again.",
        "skipped": "Digest for {period} not sent: no new, rising or woken alert (MONITOR_DIGEST_ONLY_WHEN_NEW); "
                   "--force sends it anyway.",
    },
)


@user_errors
def digest(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Send again even if this week's digest went out.")] = False,
) -> None:
    """Send the weekly digest to the follow-up team (or write it to the outbox if no SMTP)."""
    from monitor.alerting.digest import send_digest
    from monitor.ranking.score import load_scoring_config

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    config = load_scoring_config(state.settings.resolved("rules_dir"))
    outcome = send_digest(state.engine(create=False), state.settings, config, datetime.now(UTC), force=force)
    # A week sent before comes back as "sent" with no location: nothing went out this time.
    if outcome.status == "sent" and outcome.location is not None:
        console.print(t("sent", period=outcome.period, suppliers=outcome.suppliers, location=outcome.location),
                      highlight=False, markup=False)
    elif outcome.status == "skipped":
        console.print(t("skipped", period=outcome.period), highlight=False, markup=False)
    elif outcome.status in ("claimed", "sending"):
        console.print(t("busy", period=outcome.period), highlight=False, markup=False)
    elif outcome.status == "uncertain":
        # The mail server's own words stay as they came.
        err_console.print(t("uncertain", period=escape(str(outcome.period)),
                            error=escape(outcome.error or t("no_reason"))), highlight=False)
        raise typer.Exit(1)
    else:
        console.print(t("already", period=outcome.period), highlight=False, markup=False)
