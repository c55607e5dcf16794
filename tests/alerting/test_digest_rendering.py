"""The digest as a mail client shows it: rendered in headless Chromium, with scripts off like a mail client."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from sqlalchemy import update

from monitor.models import SupplierScore
from tests.alerting.test_digest import outbox, send
from tests.alerting.test_digest_sections import rescore
from tests.conftest import SUSPECT

_scores = SupplierScore.__table__  # type: ignore[attr-defined]


def html_with_inline_images(raw: bytes) -> str:
    """The HTML part with every cid: reference replaced by its attached image, as a mail client resolves it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("html",))
    assert body is not None
    html = body.get_content()
    for part in message.walk():
        cid = part["Content-ID"]
        if cid and part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{cid.strip('<>')}", f"data:image/png;base64,{data}")
    return html


def not_blank(path: Path) -> bool:
    with Image.open(path) as image:
        grey = image.convert("L")
        return ImageStat.Stat(grey).stddev[0] > 10 and len(grey.getcolors(maxcolors=256 * 256) or []) > 20


@pytest.mark.parametrize("width", [640, 375], ids=["desktop-mail", "phone"])
def test_the_digest_renders_with_its_chart_and_fits_the_width_of_a_mail_pane(
    scored, settings, now, chromium, tmp_path, width
):
    engine = scored()
    with engine.begin() as conn:
        conn.execute(update(_scores).values(score=50.0))
    rescore(engine)
    send(engine, settings, now)
    (eml,) = outbox(settings)
    html = html_with_inline_images(eml.read_bytes())
    assert "cid:" not in html

    context = chromium.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_content(html, wait_until="load")
    shot = tmp_path / f"digest-{width}.png"
    page.screenshot(path=str(shot), full_page=True)

    chart = page.locator("img[alt^='Risktrend']")
    assert chart.count() == 1
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "the trend chart did not load"
    assert chart.evaluate("img => img.getBoundingClientRect().width") <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the digest scrolls sideways"
    assert page.get_by_text(SUSPECT["name"]).first.is_visible()
    assert not_blank(shot)
    context.close()
