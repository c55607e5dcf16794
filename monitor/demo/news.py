"""Local news for `monitor demo`: RSS feeds about the synthetic municipality's suppliers.

`write_demo_news` writes three RSS 2.0 files, dated inside the demo weeks:

* misconduct stories about a few planted suppliers (visit_during_absence, door_observation,
  staff_overlap, manual_registration when planted), naming each by its name, its genitive or
  the name without legal form, with risk words next to the mention (polisanmäld, fusk, IVO
  kritik, hävt avtal, lex Sarah); one of them is published in two feeds under the same URL, so
  the poller stores it once, with two sources;
* a story praising an honest supplier, with no risk words near it ("inga anmälningar" at most);
* a generic story about the municipality's home-care survey that says "trygg hemtjänst" and
  mentions fraud elsewhere, without the org number or legal name of Trygg Hemtjänst AB, whose
  name is made of ordinary words: it must not raise that supplier's risk;
* a few unrelated local stories.

`serve_demo_news` serves the directory on 127.0.0.1 (a free port) and writes feeds.yaml with
that port (each feed with `allow_private_network: true`, since loopback is refused otherwise);
`poll_demo_news` polls those feeds once with the ordinary poller and matches the articles to the
suppliers. Everything stays on the loopback interface; article links point at `.example` hosts,
which never resolve.

Deterministic: the same suppliers, seed, start and weeks give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
import json
import random
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from monitor.demo import DemoDataset
from monitor.media.feeds import load_feeds
from monitor.media.keywords import MediaRules
from monitor.media.poller import PollSummary, poll_feeds
from monitor.models import Article

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEEDS_FILE = "feeds.yaml"
TRYGG_NAME = "Trygg Hemtjänst AB"
# Misconduct stories go to these schemes' suppliers first (when planted), then to others.
STORY_SCHEMES = ("visit_during_absence", "door_observation", "staff_overlap", "manual_registration")
MAX_MISCONDUCT_STORIES = 4
PRAISED_PREFERENCE = ("Livskraft Hemtjänst AB", "Hemtrevnad Omsorg Aktiebolag", "Medmänniskan Omsorg AB",
                      "Södertörns Omsorgspartner AB", "Omsorgshuset i Huddinge AB")
_LEGAL_FORM = re.compile(r"\s+(?:AB|HB|KB|Aktiebolag|Handelsbolag|Kommanditbolag)$", re.IGNORECASE)


@dataclass(frozen=True)
class DemoFeed:
    key: str  # file stem and URL path
    name: str
    link: str
    description: str
    tags: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"{self.key}.xml"


FEEDS = (
    DemoFeed("huddinge-lokalnytt", "Huddinge lokalnytt", "https://lokalnytt.example/",
             "Nyheter från Huddinge (syntetiska demodata)", ("lokal",)),
    DemoFeed("sodertorns-tidning", "Södertörns tidning", "https://sodertornstidning.example/",
             "Södertörn i dag (syntetiska demodata)", ("lokal", "regional")),
    DemoFeed("kommunens-pressrum", "Kommunens pressrum", "https://pressrum.kommun.example/",
             "Pressmeddelanden från kommunen (syntetiska demodata)", ("kommun", "myndighet")),
)
_FEED_BY_KEY = {f.key: f for f in FEEDS}


@dataclass(frozen=True)
class DemoArticle:
    feeds: tuple[str, ...]  # feed keys; more than one = the same story (same URL) in several feeds
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    kind: str  # misconduct | praise | generic | local
    org_number: str | None = None  # the supplier it is about (misconduct, praise)

    def url(self) -> str:
        return f"{_FEED_BY_KEY[self.feeds[0]].link}{self.published:%Y/%m}/{self.slug}"

    @property
    def text(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs))


def _short_name(name: str) -> str:
    """The name as a journalist writes it: without legal form."""
    return _LEGAL_FORM.sub("", name).strip()


def _genitive(name: str) -> str:
    short = _short_name(name)
    return short if short.endswith(("s", "x", "z")) else short + "s"


# --- the stories --------------------------------------------------------------------------
# Each misconduct template: (slug, title, paragraphs); {name} legal name, {short} without the
# legal form, {gen} genitive. The risk words stand in the sentence that names the supplier.

_MISCONDUCT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "visit_during_absence": (
        "hemtjanst-debiterade-besok-under-sjukhusvistelse",
        "{short} polisanmäls – debiterade besök hos kunder som låg på sjukhus",
        (
            "Kommunen har polisanmält {name} misstänkt för fusk med hemtjänstbesök.",
            "Enligt socialförvaltningens granskning registrerade {gen} personal besök hos brukare som "
            "vid samma tidpunkt var inlagda på sjukhus. Det rör sig om felaktiga utbetalningar på flera "
            "hundra tusen kronor.",
            "– Vi ser mycket allvarligt på det här, säger avdelningschefen för myndighetsutövning.",
            "{short} har inte svarat på tidningens frågor.",
        ),
    ),
    "door_observation": (
        "ivo-kritik-mot-hemtjanstforetag-i-flemingsberg",
        "IVO riktar kritik mot {short} efter kontroller vid portarna",
        (
            "IVO riktar allvarlig kritik mot {name}. Uppföljningsteamets kontroller visar att personal "
            "registrerade besök som aldrig gjordes.",
            "Kommunen har begärt återkrav från {short} och utreder om avtalet ska hävas. Det har även "
            "kommit in en lex Sarah-anmälan om bolaget.",
        ),
    ),
    "staff_overlap": (
        "kommunen-haver-avtal-med-hemtjanstforetag",
        "Kommunen häver avtalet med {short}",
        (
            "Socialnämnden häver avtalet med {name} sedan granskningen visat att samma anställda "
            "registrerats hos flera brukare på olika adresser samtidigt.",
            "{gen} ägare misstänks för bedrägeri och ärendet har polisanmälts.",
            "Brukarna erbjuds att välja en annan utförare inom valfrihetssystemet.",
        ),
    ),
    "manual_registration": (
        "manuella-registreringar-granskas",
        "Misstänkt fusk med manuella tider hos {short}",
        (
            "Nästan alla besök hos {name} registreras för hand i stället för med brukarens nyckel, "
            "och kommunen misstänker fusk med tiderna.",
            "Förvaltningen har gjort en polisanmälan och kräver tillbaka ersättningen för de besök "
            "som inte kan styrkas.",
        ),
    ),
    "_other": (
        "granskning-av-hemtjanstforetag",
        "Hemtjänstföretaget {short} granskas efter tips om fusk",
        (
            "Socialförvaltningen granskar {name} efter tips om fusk med tidsregistreringen.",
            "Ärendet har polisanmälts och kommunen utreder om det blir aktuellt med återkrav.",
        ),
    ),
}

_PRAISE = (
    "hemtjanst-prisas-for-kontinuitet",
    "{short} prisas för trygg kontinuitet",
    (
        "{name} prisas av kommunen för årets bästa kontinuitet: brukarna möter i snitt färre än tio "
        "olika medarbetare under två veckor.",
        "– Det är personalen som gör skillnaden, säger verksamhetschefen på {short}.",
        "Under året har det inte kommit in några klagomål på verksamheten.",
    ),
)

_GENERIC = (
    "brukarundersokning-hemtjansten",
    "Brukarundersökningen: nio av tio känner sig trygga med hemtjänsten",
    (
        "Årets brukarundersökning visar att de flesta äldre i kommunen upplever en trygg hemtjänst. "
        "Nöjdast är brukarna i Stuvsta och Sjödalen.",
        "Efter uppmärksammade fall av fusk och polisanmälda hemtjänstföretag i andra kommuner vill "
        "äldrenämnden att alla ska kunna lita på en trygg hemtjänst.",
        "– Trygg hemtjänst handlar om att det är rätt person som kommer, i rätt tid, säger "
        "äldrenämndens ordförande.",
    ),
)

_LOCAL: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("huddinge-lokalnytt", "ny-cykelbana-flemingsberg", "Ny cykelbana mellan Flemingsberg och Huddinge centrum",
     ("Den nya cykelbanan öppnar för trafik i nästa vecka.",
      "Sträckan är drygt tre kilometer lång och har belysning hela vägen.")),
    ("huddinge-lokalnytt", "biblioteket-forlanger-oppettider", "Biblioteket förlänger öppettiderna på kvällar",
     ("Från och med nästa månad har huvudbiblioteket öppet till klockan 20 på vardagar.",)),
    ("sodertorns-tidning", "pendeltag-installda", "Pendeltåg ställs in under helgen",
     ("Spårarbeten mellan Stuvsta och Flemingsberg gör att pendeltågen ersätts av bussar på lördag och söndag.",)),
    ("sodertorns-tidning", "ny-skola-segeltorp", "Planerna för en ny skola i Segeltorp klubbade",
     ("Kommunfullmäktige har godkänt detaljplanen för en ny F–6-skola med plats för 450 elever.",)),
    ("kommunens-pressrum", "influensavaccination-65-plus", "Gratis influensavaccination för dig som fyllt 65",
     ("Kommunen och regionen erbjuder vaccination på vårdcentralerna från och med mitten av oktober.",
      "Ingen tidsbokning behövs på drop-in-dagarna.")),
)


def _when(rng: random.Random, start: date, weeks: int, earliest: float = 0.0, latest: float = 1.0) -> datetime:
    """A weekday moment in working hours within [earliest, latest] of the demo weeks, Swedish time."""
    days = max(1, weeks * 7)
    first, last = int(days * earliest), max(int(days * earliest), int(days * latest) - 1)
    day = start + timedelta(days=rng.randint(first, last))
    while day.weekday() >= 5 and (day - start).days > 0:
        day -= timedelta(days=1)
    moment = time(rng.randint(6, 17), rng.choice((0, 5, 15, 30, 42, 50)))
    return datetime.combine(day, moment, tzinfo=STOCKHOLM)


def _fill(template: tuple[str, str, tuple[str, ...]], name: str) -> tuple[str, str, tuple[str, ...]]:
    values = {"name": name, "short": _short_name(name), "gen": _genitive(name)}
    slug, title, paragraphs = template
    return slug, title.format(**values), tuple(p.format(**values) for p in paragraphs)


def demo_articles(
    suppliers: Iterable[tuple[str, str]], planted: Mapping[str, str], seed: int, start: date, weeks: int
) -> list[DemoArticle]:
    """The stories, newest last, before they are written as feeds (also what the tests check)."""
    names = dict(suppliers)
    rng = random.Random(f"demo-news:{seed}")
    by_scheme: dict[str, str] = {}
    for org, scheme in sorted(planted.items()):
        if org in names:
            by_scheme.setdefault(scheme, org)
    chosen = [(s, by_scheme[s]) for s in STORY_SCHEMES if s in by_scheme]
    chosen += [(s, o) for s, o in sorted(by_scheme.items()) if s not in STORY_SCHEMES]
    chosen = chosen[:MAX_MISCONDUCT_STORIES]

    articles: list[DemoArticle] = []
    feed_cycle = ("huddinge-lokalnytt", "sodertorns-tidning", "kommunens-pressrum")
    for index, (scheme, org) in enumerate(chosen):
        slug, title, paragraphs = _fill(_MISCONDUCT.get(scheme, _MISCONDUCT["_other"]), names[org])
        if scheme not in _MISCONDUCT:
            slug = f"{slug}-{org.replace('-', '')}"
        # The first story is the big one: both newspapers run it, under the same URL.
        feeds = ("huddinge-lokalnytt", "sodertorns-tidning") if index == 0 else (feed_cycle[index % 3],)
        articles.append(DemoArticle(feeds, slug, title, paragraphs, _when(rng, start, weeks, 0.3), "misconduct",
                                    org))

    honest = [org for org in names if org not in planted and names[org] != TRYGG_NAME]
    praised = next((org for pref in PRAISED_PREFERENCE for org in honest if names[org] == pref),
                   honest[0] if honest else None)
    if praised is not None:
        slug, title, paragraphs = _fill(_PRAISE, names[praised])
        articles.append(DemoArticle(("huddinge-lokalnytt",), slug, title, paragraphs, _when(rng, start, weeks),
                                    "praise", praised))

    slug, title, paragraphs = _GENERIC
    articles.append(DemoArticle(("kommunens-pressrum",), slug, title, paragraphs, _when(rng, start, weeks),
                                "generic"))
    for feed, slug, title, paragraphs in _LOCAL:
        articles.append(DemoArticle((feed,), slug, title, paragraphs, _when(rng, start, weeks), "local"))
    articles.sort(key=lambda a: (a.published, a.slug))
    return articles


def _rss(feed: DemoFeed, articles: list[DemoArticle]) -> str:
    items = []
    for article in sorted(articles, key=lambda a: (a.published, a.slug), reverse=True):
        url = escape(article.url())
        body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
        items.append(
            "<item>\n"
            f"<title>{escape(article.title)}</title>\n"
            f"<link>{url}</link>\n"
            f'<guid isPermaLink="true">{url}</guid>\n'
            f"<pubDate>{format_datetime(article.published)}</pubDate>\n"
            f"<description>{escape(body)}</description>\n"
            "</item>\n"
        )
    built = max((a.published for a in articles), default=None)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{escape(feed.name)}</title>\n<link>{escape(feed.link)}</link>\n"
        f"<description>{escape(feed.description)}</description>\n<language>sv-se</language>\n"
        + (f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>\n" if built else "")
        + "".join(items)
        + "</channel>\n</rss>\n"
    )


def read_demo_suppliers(suppliers_csv: Path) -> list[tuple[str, str]]:
    """(org_number, name) from a demo suppliers.csv."""
    with suppliers_csv.open(encoding="utf-8", newline="") as f:
        return [(row["org_number"], row["name"]) for row in csv.DictReader(f)]


def write_demo_news(
    directory: Path,
    suppliers: DemoDataset | Iterable[tuple[str, str]],
    planted: Mapping[str, str] | None = None,
    seed: int = 2026,
    start: date | None = None,
    weeks: int | None = None,
) -> list[Path]:
    """Write the demo's RSS files into `directory`; returns them in FEEDS order.

    `suppliers` is a DemoDataset (then planted, start and weeks default to its own) or
    (org_number, name) pairs. feeds.yaml is written by `serve_demo_news`, which knows the port.
    """
    if isinstance(suppliers, DemoDataset):
        dataset = suppliers
        suppliers = read_demo_suppliers(dataset.files["suppliers"])
        planted = dataset.planted if planted is None else planted
        start = start or dataset.start
        weeks = weeks or dataset.weeks
    if start is None or weeks is None:
        raise ValueError("start and weeks are needed unless a DemoDataset is given")
    articles = demo_articles(list(suppliers), planted or {}, seed, start, weeks)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for feed in FEEDS:
        path = directory / feed.filename
        path.write_text(_rss(feed, [a for a in articles if feed.key in a.feeds]), encoding="utf-8")
        paths.append(path)
    return paths


def write_feeds_yaml(directory: Path, base_url: str) -> Path:
    """feeds.yaml listing the demo feeds that exist in `directory`, at `base_url`/<file>."""
    lines = ["# The demo's local news feeds, served on the loopback interface by `monitor demo`.",
             "settings:", "  timeout_seconds: 10", "feeds:"]
    base = base_url.rstrip("/")
    for feed in FEEDS:
        if (directory / feed.filename).exists():
            lines += [f"  - name: {json.dumps(feed.name, ensure_ascii=False)}",
                      f"    url: {json.dumps(base + '/' + feed.filename)}",
                      f"    tags: {json.dumps(list(feed.tags), ensure_ascii=False)}",
                      "    allow_private_network: true  # served on loopback by the demo itself"]
    path = directory / FEEDS_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map, ".xml": "application/rss+xml; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_demo_news(directory: Path) -> Iterator[Path]:
    """Serve `directory` on 127.0.0.1 (a free port) in a daemon thread; yields feeds.yaml,
    written with that port. The server stops when the block ends (the file then names a dead port)."""
    directory = Path(directory).resolve()
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-news-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield write_feeds_yaml(directory, f"http://{host}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class DemoNewsSummary:
    feeds: int
    feeds_failed: int
    new_articles: int
    merged: int  # articles already stored from another feed (the shared story)
    articles: int  # articles in the database afterwards
    errors: list[str] = field(default_factory=list)
    matches: int | None = None  # article-supplier matches made after the poll (None: not matched)
    poll: PollSummary | None = None

    def __str__(self) -> str:
        text = (f"Polled {self.feeds} news feed(s): {self.new_articles} new article(s), "
                f"{self.merged} also in another feed; {self.articles} article(s) stored")
        if self.matches is not None:
            text += f", {self.matches} mention(s) of a supplier"
        if self.feeds_failed:
            text += f"; {self.feeds_failed} feed(s) failed: " + "; ".join(self.errors)
        return text


def poll_demo_news(engine: Engine, feeds_file: Path, now: datetime | None = None,
                   media_rules: MediaRules | None = None) -> DemoNewsSummary:
    """Poll every feed in `feeds_file` once (due or not) with the ordinary poller, matching the
    articles to the suppliers when `media_rules` is given."""
    summary = poll_feeds(engine, load_feeds(feeds_file), now=now, poll_all=True, media_rules=media_rules)
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(Article)).one()
    return DemoNewsSummary(
        feeds=len(summary.outcomes),
        feeds_failed=summary.failed,
        new_articles=summary.total("new"),
        merged=summary.total("merged"),
        articles=stored,
        errors=[f"{o.name}: {o.error}" for o in summary.outcomes if not o.ok],
        matches=summary.matched.matches if summary.matched else None,
        poll=summary,
    )


__all__ = ["FEEDS", "DemoArticle", "DemoNewsSummary", "demo_articles", "poll_demo_news", "read_demo_suppliers",
           "serve_demo_news", "write_demo_news", "write_feeds_yaml"]
