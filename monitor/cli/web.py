"""`monitor web`: the triage UI and API alone, without the scheduler, for development."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.common import err_console, state_of, user_errors


@user_errors
def web(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (MONITOR_HTTP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (MONITOR_HTTP_PORT).")] = None,
) -> None:
    """Serve the web UI (/login, /alerts ...), the API (/api/) and the health endpoints, without
    running any job: for development. `monitor run` serves the same pages beside the jobs."""
    import uvicorn

    from monitor.jobs.schedule import load_schedule
    from monitor.web.app import create_app

    state = state_of(ctx)
    settings = state.settings
    schedule = load_schedule(settings.resolved("schedule_file"))
    app = create_app(state.engine(), schedule, lambda: False, settings)
    host, port = host or settings.http_host, port if port is not None else settings.http_port
    err_console.print(f"monitor web: serving http://{host}:{port}/ (no jobs run; Ctrl-C stops)",
                      highlight=False, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
