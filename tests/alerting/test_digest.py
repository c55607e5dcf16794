"""The weekly digest: what the follow-up team receives, by outbox file or over SMTP."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, text

from monitor.alerting.digest import (
    DigestContext,
    DigestImport,
    DigestReason,
    DigestSupplier,
    period_key,
    send_digest,
)
from monitor.alerting.mail import MailError, load_strings, render_email
from monitor.config import PROJECT_DIR, ConfigError, Settings, load_settings
from monitor.db import make_engine
from monitor.findings.rules import load_rules
from monitor.models import DigestLog
from monitor.ranking.score import load_scoring_config
from monitor.scoring import run_scoring
from monitor.timestamps import STOCKHOLM
from monitor.yamlfile import ConfigFileError
from tests.conftest import (
    ASTRID,
    ASTRID_HOME,
    HONEST,
    SUSPECT,
)

RULES_DIR = PROJECT_DIR / "rules"
TEMPLATES_DIR = PROJECT_DIR / "alerts"
RECIPIENT = "uppfoljning@kommun.example"  # set by the settings fixture
REASON = "Besök registrerade under portobservation utan synlig personal"  # the shipped rule's title
SCRIPTED = {"org_number": "556036-0793", "name": "<script>alert(1)</script> Omsorg AB"}


def send(engine: Engine, settings: Settings, now: datetime, force: bool = False):
    return send_digest(engine, settings, load_scoring_config(RULES_DIR), now, force=force)


def parse(raw: bytes) -> tuple[str, str, str]:
    """(subject, text part, html part) of an email, decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(message["Subject"]), text.get_content(), html.get_content()


def outbox(settings: Settings) -> list[Path]:
    return sorted(settings.outbox_dir.glob("*.eml")) if settings.outbox_dir.exists() else []


def test_it_writes_one_eml_without_smtp_with_supplier_and_reason_in_both_parts(scored, settings, now):
    outcome = send(scored(), settings, now)
    (eml,) = outbox(settings)
    assert outcome.location == str(eml) and outcome.suppliers == 1
    subject, text, html = parse(eml.read_bytes())
    for part in (text, html):
        assert SUSPECT["name"] in part
        assert REASON in part
    assert "1 leverantör att granska" in subject


@pytest.mark.parametrize("language", ["sv", "en"])
def test_it_promises_no_access_log_that_does_not_exist_yet(language):
    # Nothing logs who reads evidence until the triage UI does; the footer must not say otherwise.
    _, text, html = render_email(TEMPLATES_DIR, "digest", sample_context(language))
    assert not any(word in part.casefold() for word in ("logg", "logged") for part in (text, html))


def test_it_leaves_out_suppliers_below_the_threshold(scored, settings, now):
    send(scored(), settings, now)
    _, text, html = parse(outbox(settings)[0].read_bytes())
    assert HONEST["name"] not in text and HONEST["name"] not in html


def test_it_never_carries_client_ids_addresses_or_pseudonyms(scored, settings, now, pseudonymise):
    send(scored(), settings, now)
    raw = outbox(settings)[0].read_bytes()
    everything = "\n".join([raw.decode("ascii", errors="replace"), *parse(raw)]).casefold()
    digits = ASTRID.replace("-", "")  # 193001010001
    forms = [ASTRID, digits, digits[2:], ASTRID[2:], ASTRID_HOME, pseudonymise(ASTRID)]
    assert [f for f in forms if f.casefold() in everything] == []


def test_it_escapes_a_supplier_name_with_markup_in_html_but_not_in_text(scored, settings, now):
    send(scored(flagged=SCRIPTED), settings, now)
    _, text, html = parse(outbox(settings)[0].read_bytes())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Omsorg AB" in html
    assert SCRIPTED["name"] in text


def test_it_sends_once_a_week_unless_forced(scored, settings, now):
    engine = scored()
    first = send(engine, settings, now)
    again = send(engine, settings, now)
    assert (again.period, again.location) == (first.period, None)
    assert len(outbox(settings)) == 1
    assert send(engine, settings, now, force=True).location is not None
    assert len(outbox(settings)) == 2
    first, resent = (parse_id(path.read_bytes()) for path in outbox(settings))
    assert first != resent  # sent again on purpose: a new message, not a copy to drop


def test_it_writes_english_when_the_language_is_english(scored, settings, now, db_url):
    english = load_settings({
        "MONITOR_DATABASE_URL": db_url, "MONITOR_OUTBOX_DIR": str(settings.outbox_dir),
        "MONITOR_TEMPLATES_DIR": str(TEMPLATES_DIR), "MONITOR_DIGEST_RECIPIENTS": RECIPIENT,
        "MONITOR_LANGUAGE": "en",
    })
    send(scored(), english, now)
    subject, text, _ = parse(outbox(settings)[0].read_bytes())
    year, week, _ = now.astimezone(STOCKHOLM).isocalendar()
    assert subject == f"Weekly welfare-crime report, week {week}, {year}: 1 supplier to review"
    assert "Suppliers ranked by risk of welfare crime" in text


def test_it_says_to_score_first_when_nothing_was_scored(engine, settings, now):
    with pytest.raises(LookupError, match="run `monitor score` first"):
        send(engine, settings, now)
    assert outbox(settings) == []


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every envelope it is given."""

    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_it_delivers_over_smtp_to_the_configured_recipient(scored, settings, now, smtp_server):
    inbox, port = smtp_server
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    outcome = send(scored(), smtp, now)
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == [RECIPIENT]
    assert envelope.mail_from == settings.mail_from
    assert SUSPECT["name"] in parse(envelope.content)[1]
    assert outcome.location == f"smtp://127.0.0.1:{port}"
    assert outbox(settings) == []


def test_over_smtp_the_digest_is_text_and_html_alternatives_carrying_the_same_top_line_and_sections(
        scored, settings, now, smtp_server):
    inbox, port = smtp_server
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                       "base_url": "https://monitor.kommun.example"})
    send(scored(), smtp, now)
    (envelope,) = inbox.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.iter_parts()
    assert (plain.get_content_type(), related.get_content_type()) == ("text/plain", "multipart/related")
    html_part, chart = related.iter_parts()
    assert (html_part.get_content_type(), chart.get_content_type()) == ("text/html", "image/png")
    assert plain.get_content_charset() == "utf-8" and html_part.get_content_charset() == "utf-8"
    # The chart is shown from inside the message (CID), never fetched from a server.
    cid = chart["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()
    assert chart.get_content().startswith(b"\x89PNG")
    _, text, html = parse(envelope.content)
    for part in (text, html):
        for shown in ("1 nytt larm, 0 stigande, 0 väckta ur snooze; 0 under granskning",
                      "Underlag: besök 13 jul – 6 okt", "Nya larm (1)", SUSPECT["name"], REASON):
            assert shown in part, shown


def test_it_refuses_to_send_over_smtp_to_nobody(scored, settings, now, smtp_server):
    inbox, port = smtp_server
    nobody = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "digest_recipients": ""})
    with pytest.raises((ConfigError, MailError)):
        send(scored(), nobody, now)
    assert inbox.envelopes == []


def test_it_raises_a_mail_error_and_marks_nothing_sent_when_smtp_is_down(scored, settings, now):
    # Slow by design: the connection is retried three times with waits of 1 s and 2 s.
    engine, port = scored(), free_port()
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout_seconds": 2})
    with pytest.raises(MailError, match=rf"^cannot send email via 127\.0\.0\.1:{port}: .*[Cc]onnection refused"):
        send(engine, down, now)
    assert send(engine, settings, now).location is not None  # the next run tries again


def sample_context(language: str, empty: bool = False) -> DigestContext:
    supplier = DigestSupplier(
        rank=1, name=SUSPECT["name"], org_number=SUSPECT["org_number"], contract_area="Hemtjänst",
        score="70", movement="↑ 2", reasons=[DigestReason(REASON, "1 besök registrerade under ...")],
    )
    return DigestContext(
        t=load_strings(TEMPLATES_DIR, language), period="vecka 41, 2026", generated="2026-10-09 07:00",
        suppliers=[] if empty else [supplier], suppliers_scored=3,
        imports=[] if empty else [DigestImport("visits", "besok.csv", 40, 2, "partial")],
        rejected_rows=0 if empty else 2,
    )


EMAILS = sorted(p.name.removesuffix(".subject.txt") for p in TEMPLATES_DIR.glob("*.subject.txt"))


@pytest.mark.parametrize("name", EMAILS)
@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("empty", [False, True], ids=["with_suppliers", "nothing_to_report"])
def test_it_renders_every_email_template_with_a_sample_context(name, language, empty):
    t = load_strings(TEMPLATES_DIR, language)
    subject, text, html = render_email(TEMPLATES_DIR, name, sample_context(language, empty))
    assert subject and "\n" not in subject
    expected = t["nothing_flagged"] if empty else SUSPECT["name"]
    assert expected in text and expected in html.replace("&amp;", "&")
    assert t["privacy"] in text and t["privacy"] in html


def test_it_has_an_english_translation_for_every_phrase():
    sv, en = load_strings(TEMPLATES_DIR, "sv"), load_strings(TEMPLATES_DIR, "en")
    untranslated = sorted(k for k in sv if sv[k] == en[k] and k not in {"score", "movement_up", "movement_down"})
    assert untranslated == []


TEMPLATE_MISTAKES = [
    pytest.param("{{ t.intro | }}", "template error: expected token 'name'", id="syntax_error"),
    pytest.param("{{ t.intro }} {{ weekday }}", "template error: 'weekday' is undefined", id="undefined_name"),
]


@pytest.mark.parametrize(("mistake", "expected"), TEMPLATE_MISTAKES)
def test_it_names_file_and_line_of_a_template_mistake(tmp_path, mistake, expected):
    for path in TEMPLATES_DIR.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    body = tmp_path / "digest.body.txt"
    text = body.read_text(encoding="utf-8")
    line = text.splitlines().index("{{ t.intro }}") + 1
    body.write_text(text.replace("{{ t.intro }}", mistake, 1), encoding="utf-8")
    with pytest.raises(ConfigFileError) as error:
        render_email(tmp_path, "digest", sample_context("sv"))
    assert str(error.value).startswith(f"{body}:{line}: {expected}"), str(error.value)


def test_it_fails_on_an_undefined_name_in_a_template_instead_of_printing_nothing(tmp_path):
    for path in TEMPLATES_DIR.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    row = tmp_path / "_supplier_row.html"
    row.write_text(row.read_text(encoding="utf-8").replace("{{ s.score }}", "{{ s.points }}"), encoding="utf-8")
    with pytest.raises(ConfigFileError, match="has no attribute 'points'"):
        render_email(tmp_path, "digest", sample_context("sv"))


# --- exactly once -----------------------------------------------------------------------


@dataclass
class DroppingInbox(Inbox):
    """Keeps the message, then drops the line before saying it was accepted."""

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        server.transport.close()
        return "250 Message accepted for delivery"


@dataclass
class RefusingInbox(Inbox):
    """Answers the message with a permanent error: nothing was delivered."""

    async def handle_DATA(self, server, session, envelope) -> str:
        return "554 Transaction failed"


def smtp_settings(settings: Settings, handler: Inbox) -> Iterator[Settings]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout_seconds": 5})
    finally:
        controller.stop()


def concurrently(count: int, work: Callable[[], object]) -> list[object]:
    """`work` in `count` threads released at the same instant; results or exceptions."""
    barrier = threading.Barrier(count)

    def run() -> object:
        barrier.wait()
        try:
            return work()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def test_three_digests_at_once_write_one_file(scored, settings, now, db_url):
    scored()

    def one() -> object:
        engine = make_engine(db_url)  # each its own connections, as separate processes would have
        try:
            return send(engine, settings, now)
        finally:
            engine.dispose()

    outcomes = concurrently(3, one)
    assert [o.status for o in outcomes].count("sent") == 1, outcomes
    assert len(outbox(settings)) == 1


def test_three_digests_at_once_deliver_one_email(scored, settings, now, db_url):
    scored()
    inbox = Inbox()
    for smtp in smtp_settings(settings, inbox):
        def one(smtp: Settings = smtp) -> object:
            engine = make_engine(db_url)
            try:
                return send(engine, smtp, now)
            finally:
                engine.dispose()

        outcomes = concurrently(3, one)
    assert [getattr(o, "status", o) for o in outcomes].count("sent") == 1, outcomes
    assert len(inbox.envelopes) == 1


def test_a_line_dropped_after_the_message_was_handed_over_is_uncertain_and_not_sent_again(scored, settings, now):
    engine, inbox = scored(), DroppingInbox()
    for smtp in smtp_settings(settings, inbox):
        first = send(engine, smtp, now)
        again = send(engine, smtp, now)
        assert len(inbox.envelopes) == 1  # not three: no retry once the message went out
        assert (first.status, again.status) == ("uncertain", "uncertain")
        assert "may have been delivered" in (first.error or "")
        forced = send(engine, smtp, now, force=True)  # the operator checked: it did not arrive
        assert forced.status == "uncertain" and len(inbox.envelopes) == 2
    ids = [parse_id(e.content) for e in inbox.envelopes]
    assert ids[0] == ids[1]  # the same message: a mail client that got both shows one


def test_a_message_the_server_refused_is_tried_again_by_the_next_run(scored, settings, now):
    engine = scored()
    for smtp in smtp_settings(settings, RefusingInbox()):
        with pytest.raises(MailError, match="554"):
            send(engine, smtp, now)
    inbox = Inbox()
    for smtp in smtp_settings(settings, inbox):
        assert send(engine, smtp, now).status == "sent"
    assert len(inbox.envelopes) == 1


def test_the_same_week_to_the_same_team_keeps_its_message_id(scored, settings, now):
    engine, inbox = scored(), Inbox()
    for smtp in smtp_settings(settings, inbox):
        send(engine, smtp, now)
        with engine.begin() as conn:  # as if the first delivery was lost before it was recorded
            conn.execute(text("update digests set status = 'failed', sent_at = null"))
        send(engine, smtp, now)
    first, second = (parse_id(e.content) for e in inbox.envelopes)
    assert first == second and first.startswith("<digest-")


def parse_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])


@pytest.mark.parametrize(("status", "minutes_ago", "sent"), [
    ("claimed", 5, False), ("claimed", 120, True), ("sending", 120, False), ("failed", 1, True),
], ids=["claimed-now-by-another", "claim-of-a-dead-process", "died-while-handing-over", "failed-before"])
def test_an_earlier_claim_is_respected_taken_over_or_left_uncertain(scored, settings, now, status, minutes_ago, sent):
    engine = scored()
    with engine.begin() as conn:
        conn.execute(insert(DigestLog.__table__).values(
            period=period_key(now), status=status, claim_token="x" * 32, attempts=1, created_at=now,
            claimed_at=now - timedelta(minutes=minutes_ago)))
    outcome = send(engine, settings, now)
    assert (outcome.status == "sent") is sent
    assert len(outbox(settings)) == int(sent)
    if status == "sending":
        assert outcome.status == "uncertain"


def test_it_quotes_the_sentence_that_carried_a_media_risk_escaped_in_html(scored, settings, now):
    from monitor.media.keywords import load_media_rules
    from monitor.models import Article

    engine = scored()
    sentence = f"Enligt <i>granskningen</i> misstänks {SUSPECT['name']} för fusk med tiderna."
    with engine.begin() as conn:
        conn.execute(insert(Article.__table__), [{
            "identity": "1" * 64, "title": "Nya uppgifter i hemtjänsten", "summary": f"Kommunen svarar. {sentence}",
            "content_hash": "1" * 64, "published_at": now - timedelta(days=2), "title_key": "nya uppgifter",
            "first_seen_at": now, "updated_at": now,
        }])
    run_scoring(engine, load_rules(RULES_DIR), load_scoring_config(RULES_DIR),
                media_rules=load_media_rules(RULES_DIR))
    send(engine, settings, now)
    _, text_part, html = parse(outbox(settings)[0].read_bytes())
    assert sentence in text_part
    assert "<i>granskningen</i>" not in html
    assert f"Enligt &lt;i&gt;granskningen&lt;/i&gt; misstänks {SUSPECT['name']} för fusk" in html
