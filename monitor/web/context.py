"""What every page and API call shares: the database, the settings, the cookie signer, the
login limiter and the templates (autoescaped: names, titles and notes are untrusted text)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Engine

from monitor.config import Settings
from monitor.phrasing import fixed
from monitor.timestamps import local_text
from monitor.web.accounts import new_secret
from monitor.web.sessions import CookieSigner, LoginLimiter
from monitor.web.texts import TEXTS

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
MIN_SECRET_CHARS = 32


@dataclass
class WebContext:
    engine: Engine
    settings: Settings
    signer: CookieSigner = field(init=False)
    limiter: LoginLimiter = field(init=False)
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        secret = self.settings.web_secret_key.get_secret_value() if self.settings.web_secret_key else ""
        if not secret:
            logger.warning("No MONITOR_WEB_SECRET_KEY: sessions end when the process stops")
            secret = new_secret()
        elif len(secret) < MIN_SECRET_CHARS:
            from monitor.config import ConfigError

            raise ConfigError(f"MONITOR_WEB_SECRET_KEY is shorter than {MIN_SECRET_CHARS} characters")
        self.signer = CookieSigner(secret)
        window = self.settings.web_login_window_minutes * 60.0
        self.limiter = LoginLimiter(self.settings.web_login_attempts, 4 * self.settings.web_login_attempts, window)
        self.templates = Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=True,
                                     undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.templates.filters["when"] = lambda value: local_text(value) if value else ""
        self.templates.filters["decimal"] = lambda value, places=1: fixed(value or 0.0, places, self.language)
        self.templates.filters["iso_when"] = lambda value: value[:16].replace("T", " ") if value else ""

    @property
    def language(self) -> str:
        return self.settings.language

    def t(self, key: str, **args: Any) -> str:
        return TEXTS(self.language, key, **args)


def web_of(request: Request) -> WebContext:
    web = request.app.state.web
    assert isinstance(web, WebContext)
    return web


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page (or an htmx fragment) in the UI's language, with the signed-in user and CSRF token."""
    web = web_of(request)
    identity = getattr(request.state, "identity", None)
    html = web.templates.get_template(template).render(
        t=web.t, lang=web.language, user=identity.account if identity else None,
        csrf=identity.csrf_token if identity else "", path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)
