"""Rendering emails from alerts/ and delivering them: SMTP if configured, else an .eml outbox."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import smtplib
import socket
import traceback
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from monitor.config import ConfigError, Settings
from monitor.yamlfile import ConfigFileError, load_yaml

logger = logging.getLogger(__name__)

STRINGS_FILE = "strings.yaml"
# Connection-level failures are worth retrying; a refused recipient or bad login is not.
TRANSIENT_SMTP = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, ConnectionError)


class MailError(Exception):
    pass


def template_environment(templates_dir: Path) -> Environment:
    if not templates_dir.is_dir():
        raise ConfigFileError(f"{templates_dir}: templates folder not found (set MONITOR_TEMPLATES_DIR)")
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def load_strings(templates_dir: Path, language: str) -> dict[str, str]:
    """The phrases the templates use, in one language (alerts/strings.yaml)."""
    data, _ = load_yaml(templates_dir / STRINGS_FILE)
    if not isinstance(data, dict) or language not in data:
        raise ConfigFileError(f"{templates_dir / STRINGS_FILE}: no strings for language '{language}'")
    fallback = data.get("sv", {})
    return {**fallback, **data[language]}


def render_email(templates_dir: Path, name: str, context: Any) -> tuple[str, str, str]:
    """(subject, text, html) from `<name>.subject.txt`, `<name>.body.txt`, `<name>.body.html`."""
    env = template_environment(templates_dir)
    values = asdict(context) if is_dataclass(context) else dict(context)
    try:
        subject = env.get_template(f"{name}.subject.txt").render(values)
        text = env.get_template(f"{name}.body.txt").render(values)
        html = env.get_template(f"{name}.body.html").render(values)
    except TemplateError as exc:
        raise ConfigFileError(f"{_template_location(exc, templates_dir, name)}: template error: {exc}") from exc
    return " ".join(subject.split()), text, inline_css(html)


def inline_css(html: str) -> str:
    """The <style> rules copied into each element's style attribute: Gmail and Outlook ignore
    a stylesheet in the head. Inlining never fetches a remote stylesheet."""
    import css_inline

    return str(css_inline.CSSInliner(load_remote_stylesheets=False).inline(html))


def _template_location(exc: TemplateError, templates_dir: Path, name: str) -> str:
    """file:line of a template error. Syntax errors carry it; for errors while rendering,
    Jinja rewrites the traceback so that its frames point into the templates."""
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not filename:
        root = str(templates_dir.resolve())
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if str(Path(f.filename).resolve()).startswith(root)]
        if frames:
            filename, lineno = frames[-1].filename, frames[-1].lineno
    if not filename:
        return str(templates_dir / name)
    return f"{filename}:{lineno}" if lineno else str(filename)


def build_message(
    settings: Settings, recipients: list[str], subject: str, text: str, html: str, now: datetime,
    message_id: str | None = None, images: list[tuple[str, bytes]] | None = None,
) -> EmailMessage:
    """A text and an HTML alternative; `images` ((content id, PNG) pairs) go beside the HTML
    part (multipart/related), which shows them with <img src="cid:...">."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=mail_domain(settings))
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if images:
        html_part = message.get_payload()[1]  # type: ignore[index]
        for cid, png in images:
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>")
    return message


def mail_domain(settings: Settings) -> str:
    return settings.mail_from.rpartition("@")[2] or "localhost"


def stable_message_id(settings: Settings, name: str, recipients: list[str], resend: int = 0) -> str:
    """The same Message-ID for the same email to the same people, so a mail client that gets a
    copy twice shows it once; a deliberate resend (`resend` > 0) gets its own."""
    who = hashlib.sha256(",".join(sorted(r.casefold() for r in recipients)).encode()).hexdigest()[:12]
    suffix = f".r{resend}" if resend else ""
    return f"<{name}.{who}{suffix}@{mail_domain(settings)}>"


def deliver(settings: Settings, message: EmailMessage, file_stem: str,
            on_handover: Callable[[], None] | None = None, new_file: bool = False) -> str:
    """Send by SMTP, or with no SMTP host write `<outbox>/<file_stem>.eml`. Returns where it went.

    `on_handover` is called just before the message itself goes out (after that, a failure may
    have delivered it). The outbox file replaces one of the same name in one step, so writing it
    again leaves one file; `new_file` keeps an earlier one and writes `<file_stem>-2.eml` ..."""
    if settings.smtp_host:
        _send_smtp(settings, message, on_handover)
        return f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = settings.outbox_dir / f"{file_stem}.eml"
    counter = 1
    while new_file and path.exists():
        counter += 1
        path = settings.outbox_dir / f"{file_stem}-{counter}.eml"
    if on_handover:
        on_handover()
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(bytes(message))
    os.replace(partial, path)
    return str(path)


class DeliveryUncertain(MailError):
    """The connection failed after the message was handed to the server: it may have arrived."""


class _HandoverSMTP(smtplib.SMTP):
    """An SMTP client that knows when the message itself starts going out: after the server's
    354 ("start mail input"), the next thing sent is the message."""

    def __init__(self, *args: Any, on_handover: Callable[[], None] | None = None, **kwargs: Any) -> None:
        self.handed_over = False
        self._body_next = False
        self._on_handover = on_handover
        super().__init__(*args, **kwargs)

    def getreply(self) -> tuple[int, bytes]:
        code, reply = super().getreply()
        self._body_next = code == 354
        return code, reply

    def send(self, s: bytes | str) -> None:
        if self._body_next and not self.handed_over:
            if self._on_handover:
                self._on_handover()
            self.handed_over = True
        self._body_next = False
        super().send(s)


@retry(
    retry=retry_if_exception_type(TRANSIENT_SMTP),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=1, max=10),
    reraise=True,
)
def _send_smtp_once(settings: Settings, message: EmailMessage, recipients: list[str],
                    on_handover: Callable[[], None] | None) -> None:
    """One SMTP session. Failures before the message is handed over are retried; after it, a
    lost line raises DeliveryUncertain (never retried: the server may have accepted it)."""
    assert settings.smtp_host
    smtp = _HandoverSMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds,
                         on_handover=on_handover)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        try:
            smtp.send_message(message, to_addrs=recipients)
        except OSError as exc:  # SMTPException is an OSError too
            # An answer, even a refusal, is certain: only silence after the hand-over is not.
            if smtp.handed_over and not isinstance(exc, smtplib.SMTPResponseException):
                raise DeliveryUncertain(
                    f"the connection to {settings.smtp_host}:{settings.smtp_port} was lost after the message "
                    f"was handed over ({exc}): it may have been delivered") from exc
            raise
        # The message was accepted; a goodbye that fails changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    finally:
        smtp.close()


def _send_smtp(settings: Settings, message: EmailMessage, on_handover: Callable[[], None] | None = None) -> None:
    if not settings.recipients:
        raise ConfigError("MONITOR_DIGEST_RECIPIENTS is empty: set the follow-up team's addresses to send by SMTP")
    try:
        _send_smtp_once(settings, message, settings.recipients, on_handover)
    except DeliveryUncertain:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Unable to send email smtp_host=%s error=%s", settings.smtp_host, exc)
        raise MailError(f"cannot send email via {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc
