"""`monitor digest`: this week's digest to the follow-up team."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from monitor.cli.common import console, err_console, state_of, user_errors


@user_errors
def digest(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Send again even if this week's digest went out.")] = False,
) -> None:
    """Send the weekly digest to the follow-up team (or write it to the outbox if no SMTP)."""
    from monitor.alerting.digest import send_digest
    from monitor.ranking.score import load_scoring_config

    state = state_of(ctx)
    config = load_scoring_config(state.settings.resolved("rules_dir"))
    outcome = send_digest(state.engine(create=False), state.settings, config, datetime.now(UTC), force=force)
    if outcome.status == "sent":
        console.print(f"Digest for {outcome.period} (suppliers listed: {outcome.suppliers}) delivered to "
                      f"{outcome.location}", highlight=False)
    elif outcome.status in ("claimed", "sending"):
        console.print(f"Digest for {outcome.period} is being sent by another process right now; nothing done.",
                      highlight=False)
    elif outcome.status == "uncertain":
        err_console.print(
            f"[bold yellow]Delivery uncertain:[/] the digest for {outcome.period} may have reached the mail "
            f"server ({escape(outcome.error or 'no reason recorded')}). It is not sent again by itself: check "
            "whether the follow-up team received it, and only if not run `monitor digest --force`.",
            highlight=False)
        raise typer.Exit(1)
    else:
        console.print(f"Digest for {outcome.period} was already delivered; --force sends it again.",
                      highlight=False)
