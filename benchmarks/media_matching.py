"""Benchmark: 10,000 supplier names against 100,000 article texts, automaton vs a regex per supplier.

Generates (seeded) a supplier register of realistic Swedish company names — a brand word or a
surname, a line of business, sometimes a place ("i Huddinge"), a legal form (AB, Aktiebolag,
HB, KB, Ek. för., AB (publ)), an alias for some, about 1.5 % made only of ordinary words ("Trygg
Hemtjänst AB") — and articles of a few sentences about care in general. About 1 % of the
articles mention a supplier (by name, genitive, legal name, alias, hyphen compound or org
number, half of them with risk keywords), about 1 % talk about "trygg hemtjänst" or "god
omsorg" in general.

* "automaton": monitor.media.matching.build_matcher over all suppliers, then find() on every
  article; seconds for each and the peak RSS.
* "baseline": the same matcher with its candidate search replaced by a loop over one compiled
  regex per supplier (all of that supplier's variants in one alternation, longest first, with
  a lookahead for the word end), on a sample of the articles, extrapolated to all of them.

Both share the checks after the candidate search, and the script checks that they find the
same mentions on the sample (exit status 1 if not), so the comparison is of equal work. It
also prints how many planted mentions were found and whether any general article matched a
common-word supplier. Aims: under 10 s for the automaton, 20x the baseline.

    python benchmarks/media_matching.py                     # 10,000 suppliers, 100,000 articles
    python benchmarks/media_matching.py --articles 20000    # a quick check
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
# Measure the checkout this script lives in, not whatever copy of `monitor` is installed.
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(1, str(BENCH_DIR))

from import_visits import _peak_rss_mb, describe_checkout  # noqa: E402
from stdnum import luhn  # noqa: E402

from monitor.media.keywords import load_media_rules, score_article_by_supplier  # noqa: E402
from monitor.media.matching import (  # noqa: E402
    SupplierMatcher,
    SupplierName,
    _Entry,
    build_matcher,
    name_forms,
)

AIM_SECONDS = 10.0
AIM_RATIO = 20.0

_BRAND_STARTS = """Sol Lind Björk Ek Al Gran Häll Sten Vik Berg Dal Ång Ros Lilje Mår Ljung Sjö Ström Ås Lönn Asp
    Hassel Rönn Tall Kastanj Mal Fager Grön Guld Silver Norr Sunn Väster Öster Söder Blå Ljus Varm Stilla Eke
    Kvarn Bäck Mosse Ängs Klöver Vall Skogs Hav Fjäll"""
_BRAND_ENDS = """gården ängen hagen lunda torp viken stugan bo hemmet huset backen dalen näs holmen sta by udden
    kullen strand slätten gläntan lyckan källan tuna åsen lid ro sund fors mark"""
_SURNAMES = """Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson
    Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Lindström Axelsson Berglund Sundberg
    Holmberg Lundqvist"""
BRAND_STARTS, BRAND_ENDS, SURNAMES = _BRAND_STARTS.split(), _BRAND_ENDS.split(), _SURNAMES.split()
LINES = ["Omsorg", "Hemtjänst", "Vård", "Assistans", "Care", "Omsorg & Hälsa", "Hemvård", "Personlig Assistans",
         "Vård och Omsorg", "Äldreomsorg", "Stöd & Service", "Boende"]
PLACES = ["Huddinge", "Botkyrka", "Haninge", "Nacka", "Solna", "Sundbyberg", "Järfälla", "Täby", "Upplands Väsby",
          "Södertälje", "Tyresö", "Lidingö", "Norrtälje", "Sigtuna"]
LEGAL_FORMS = ["AB"] * 8 + ["Aktiebolag", "HB", "KB", "Ek. för.", "AB (publ)"]
COMMON_FIRST = ["Trygg", "God", "Bra", "Nära", "Lokal", "Personlig", "Social", "Trygga", "Din", "Vår"]
COMMON_SECOND = ["Hemtjänst", "Omsorg", "Vård", "Assistans", "Hemvård", "Äldreomsorg", "Service", "Hjälp",
                 "Omvårdnad", "Trygghet", "Stöd", "Boende"]

GENERAL = [
    "Kommunens hemtjänst har fått fler brukare under {year}.",
    "Äldreomsorgen i {place} behöver {n} fler undersköterskor, enligt en ny rapport.",
    "Bl.a. väntetiderna till särskilt boende har blivit längre sedan {month}.",
    "Socialnämnden i {place} beslutade på tisdagen om nya riktlinjer för hemtjänsten.",
    "Personalen vittnar om stress och t.ex. korta besök hos de äldre.",
    "Ca. {n} procent av brukarna är nöjda med omsorgen, visar enkäten.",
    "Budgeten för vård och omsorg ökar med {n},5 miljoner kronor.",
    "Regionen och kommunen ska samarbeta mer kring hemsjukvården.",
    "Anhöriga efterlyser bättre kontinuitet i hemtjänsten.",
    "Enligt Socialstyrelsen har antalet personer med hemtjänst ökat.",
    "Valfrihetssystemet enligt LOV har funnits i {place} sedan {year}.",
    "Flera utförare vill ha högre ersättning per timme.",
    "Nattpatrullen gör i genomsnitt {n} besök per natt.",
    "Den nya lagen om kontinuitet i hemtjänsten börjar gälla i {month}.",
    "Politikerna vill se över avgifterna för trygghetslarm.",
    "Omvårdnaden av personer med demens kräver särskild kompetens.",
    "Fler äldre vill bo kvar hemma med stöd av hemtjänst.",
    "Kommunen har anställt {n} nya biståndshandläggare.",
    "Sjukfrånvaron bland personalen har minskat något.",
    "Dagverksamheten i {place} öppnar igen efter renoveringen.",
]
COMMON_TALK = [
    "Alla äldre i {place} ska få trygg hemtjänst, säger kommunalrådet.",
    "God omsorg kräver tid och kontinuitet.",
    "Målet är bra vård och trygg hemtjänst för alla.",
    "Nära vård och personlig assistans diskuterades på mötet.",
]
MENTION = [
    "{ref} har fått {n} nya uppdrag i {place}.",
    "Kommunen förlänger avtalet med {ref}.",
    "{ref} vill växa och öppnar ett nytt kontor i {place}.",
]
RISKY = [
    "{ref} polisanmäls för misstänkt fusk med tidsregistreringen.",
    "{ref} har fått ett vite på {n} miljoner kronor av IVO.",
    "Kommunen häver avtalet med {ref} efter upptäckta oegentligheter.",
    "Enligt åklagaren är vd:n för {ref} häktad för bedrägeri.",
]
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "augusti", "september", "oktober", "november"]


def org_number(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "55" + "".join(rng.choice("0123456789") for _ in range(7))
        number = body + luhn.calc_check_digit(body)
        if number not in used:
            used.add(number)
            return f"{number[:6]}-{number[6:]}"


def generate_suppliers(count: int, rng: random.Random) -> tuple[list[SupplierName], set[int]]:
    """The register, and the ids of the suppliers whose names are only ordinary words."""
    used_numbers: set[str] = set()
    used_cores: set[str] = set()
    drafts: list[tuple[str, str]] = []  # (name, brand)
    # Capped: there are only so many pairs of ordinary words, and each name must be unique.
    common_target = min(int(count * 0.01), len(COMMON_FIRST) * len(COMMON_SECOND) // 2)
    attempts = 0
    while len(drafts) < count:
        attempts += 1
        if attempts > count * 50:
            raise SystemExit(f"cannot make {count:,} distinct supplier names from the word lists")
        if len(drafts) < common_target:
            brand = f"{rng.choice(COMMON_FIRST)} {rng.choice(COMMON_SECOND)}"
            name = f"{brand} {rng.choice(LEGAL_FORMS)}"
        else:
            if rng.random() < 0.2:
                brand = rng.choice(SURNAMES) + "s"
            else:
                brand = rng.choice(BRAND_STARTS) + rng.choice(BRAND_ENDS)
            name = f"{brand} {rng.choice(LINES)}"
            if rng.random() < 0.3:
                name += f" i {rng.choice(PLACES)}"
            name += f" {rng.choice(LEGAL_FORMS)}"
        core = name_forms(name).core
        if core in used_cores:
            continue
        used_cores.add(core)
        drafts.append((name, brand))
    suppliers = []
    for i, (name, _) in enumerate(drafts):
        aliases: tuple[str, ...] = ()
        for _ in range(5 if i >= common_target and rng.random() < 0.3 else 0):
            # A former or short name, as the register's alias column holds; never another's name.
            alias = f"{rng.choice(BRAND_STARTS)}{rng.choice(BRAND_ENDS)} {rng.choice(LINES)}"
            if name_forms(alias).core not in used_cores:
                used_cores.add(name_forms(alias).core)
                aliases = (alias,)
                break
        suppliers.append(SupplierName(i, org_number(rng, used_numbers), name, aliases))
    return suppliers, set(range(common_target))


def _fill(template: str, rng: random.Random, ref: str = "") -> str:
    return template.format(ref=ref, n=rng.randint(2, 90), year=rng.randint(2015, 2026),
                           place=rng.choice(PLACES), month=rng.choice(MONTHS))


def _reference(supplier: SupplierName, rng: random.Random, common: bool) -> str:
    forms = name_forms(supplier.name)
    if common:  # a common-word name needs its legal name or org number to count
        return rng.choice([supplier.name, f"{supplier.name.split(' AB')[0]} ({supplier.org_number})"])
    core = supplier.name[: len(forms.core)] if supplier.name.casefold().startswith(forms.core) else supplier.name
    choices = [core, supplier.name, f"{core}s" if not core.endswith(("s", "x", "z")) else core,
               f"{core}-koncernen", f"bolaget med org.nr {supplier.org_number}"]
    if supplier.aliases:
        choices.append(supplier.aliases[0])
    return rng.choice(choices)


def generate_articles(
    count: int, suppliers: list[SupplierName], common_ids: set[int], rng: random.Random
) -> tuple[list[str], dict[int, int], set[int]]:
    """Texts, the supplier planted in each mentioning article, and the general common-word articles."""
    texts: list[str] = []
    planted: dict[int, int] = {}
    common_talk: set[int] = set()
    for index in range(count):
        sentences = [_fill(rng.choice(GENERAL), rng) for _ in range(rng.randint(3, 6))]
        roll = rng.random()
        if roll < 0.01:
            supplier = rng.choice(suppliers)
            ref = _reference(supplier, rng, supplier.supplier_id in common_ids)
            template = rng.choice(RISKY if rng.random() < 0.5 else MENTION)
            sentences.insert(rng.randint(0, len(sentences)), _fill(template, rng, ref))
            planted[index] = supplier.supplier_id
        elif roll < 0.02:
            sentences.insert(rng.randint(0, len(sentences)), _fill(rng.choice(COMMON_TALK), rng))
            common_talk.add(index)
        # Two or three paragraphs, as a feed summary with a lead would have.
        cut = rng.randint(1, len(sentences) - 1)
        texts.append(" ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:]))
    return texts, planted, common_talk


class RegexLoopMatcher(SupplierMatcher):
    """The baseline: one compiled regex per supplier, each run over every text.

    It replaces only the candidate search; boundaries, genitives, second signals and overlaps
    are the parent's, so both find the same mentions and only the search is compared."""

    def __init__(self, matcher: SupplierMatcher) -> None:
        self.variants = matcher.variants
        self.context_words = matcher.context_words
        self.context_window_words = matcher.context_window_words
        self.cues_before = matcher.cues_before
        self.cues_compound = matcher.cues_compound
        self.context_confidence = matcher.context_confidence
        per_supplier: dict[object, dict[str, _Entry]] = {}
        for key, entries in matcher.variants.items():
            for entry in entries:
                per_supplier.setdefault(entry.supplier_id, {})[key] = entry
        self._regexes: list[tuple[re.Pattern[str], dict[str, _Entry]]] = []
        for keys in per_supplier.values():
            alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
            # After the name: a word end, a genitive s or a hyphen. The word start is checked
            # afterwards, as for the automaton: a lookbehind in front halves re's speed here.
            pattern = re.compile(rf"(?:{alternatives})(?=[^\w]|$|s(?![^\W_])|:s|-)")
            self._regexes.append((pattern, keys))

    def _scan(self, folded: str) -> Iterator[tuple[int, int, bool, tuple[_Entry, ...]]]:
        for pattern, keys in self._regexes:
            for m in pattern.finditer(folded):
                entry = keys[m.group()]
                yield m.start(), m.end(), entry.reason == "org_number", (entry,)


def mention_set(matcher: SupplierMatcher, texts: list[str]) -> set[tuple[int, object, int, int, str]]:
    return {(i, m.supplier_id, m.start, m.end, m.reason) for i, text in enumerate(texts) for m in matcher.find(text)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000, help="articles the regex baseline runs on")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sources = [PROJECT_DIR / "monitor" / "media" / "matching.py", Path(__file__)]
    print(f"Measuring {describe_checkout(sources)}")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    suppliers, common_ids = generate_suppliers(args.suppliers, rng)
    texts, planted, common_talk = generate_articles(args.articles, suppliers, common_ids, rng)
    chars = sum(map(len, texts))
    print(f"generated {len(suppliers):,} suppliers ({len(common_ids)} common-word names, "
          f"{sum(1 for s in suppliers if s.aliases):,} with an alias) and {len(texts):,} articles "
          f"({chars / 1e6:.1f} M characters, {len(planted):,} mention a supplier) in "
          f"{time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    matcher = build_matcher(suppliers)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    found = [matcher.find(text) for text in texts]
    match_s = time.perf_counter() - started
    automaton_s = build_s + match_s
    rss = _peak_rss_mb()
    hits = sum(map(len, found))
    print(f"automaton: {len(matcher.variants):,} keys built in {build_s:.2f} s, {len(texts):,} articles matched "
          f"in {match_s:.2f} s ({len(texts) / match_s:,.0f}/s, {hits:,} mentions), total {automaton_s:.2f} s, "
          f"peak RSS {rss:,.0f} MB")

    recalled = sum(1 for i, sid in planted.items() if any(m.supplier_id == sid for m in found[i]))
    common_false = sum(1 for i in common_talk if any(m.supplier_id in common_ids for m in found[i]))
    print(f"planted mentions found: {recalled:,}/{len(planted):,}; general 'trygg hemtjänst' articles "
          f"matched to a common-word supplier: {common_false}/{len(common_talk):,}")

    rules = load_media_rules(PROJECT_DIR / "rules")
    started = time.perf_counter()
    risky = sum(
        1 for text, mentions in zip(texts, found, strict=True) if mentions
        for risk in score_article_by_supplier(text, mentions, rules).values() if risk.risk > 0
    )
    print(f"keyword scoring of the {sum(1 for f in found if f):,} matched articles: "
          f"{time.perf_counter() - started:.2f} s ({risky:,} supplier-article pairs with risk)")

    # Half the sample are articles that name a supplier or talk of "trygg hemtjänst", so the
    # comparison has mentions to compare; they are as long as the others, so timing holds.
    interesting = sorted(planted.keys() | common_talk)[: args.sample // 2]
    ordinary = [i for i in range(len(texts)) if i not in planted and i not in common_talk]
    sample_ids = sorted([*interesting, *ordinary[: args.sample - len(interesting)]])
    sample = [texts[i] for i in sample_ids]
    started = time.perf_counter()
    baseline = RegexLoopMatcher(matcher)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    base_found = mention_set(baseline, sample)
    loop_s = time.perf_counter() - started
    baseline_s = compile_s + loop_s * len(texts) / len(sample)
    print(f"baseline: {len(baseline._regexes):,} regexes compiled in {compile_s:.2f} s, {len(sample):,} articles "
          f"in {loop_s:.2f} s, extrapolated to {len(texts):,}: {baseline_s:,.0f} s")

    auto_found = {(n, m.supplier_id, m.start, m.end, m.reason) for n, i in enumerate(sample_ids) for m in found[i]}
    same = auto_found == base_found
    ratio = baseline_s / automaton_s
    print(f"same mentions on the sample: {'yes' if same else 'NO'} ({len(auto_found)} mentions)")
    if not same:
        print(f"  only automaton: {sorted(auto_found - base_found)[:5]}")
        print(f"  only baseline: {sorted(base_found - auto_found)[:5]}")
    seconds_met = "met" if automaton_s < AIM_SECONDS else "NOT met"
    ratio_met = "met" if ratio >= AIM_RATIO else "NOT met"
    print(f"automaton {automaton_s:.2f} s (aim < {AIM_SECONDS:.0f} s: {seconds_met}); "
          f"baseline / automaton {ratio:,.0f}x (aim {AIM_RATIO:.0f}x: {ratio_met})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
