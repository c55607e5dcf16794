"""Risk keywords near supplier mentions: how much an article says about wrongdoing.

rules/media.yaml lists Swedish terms with a weight and regular expressions for their
inflected forms. Patterns rather than a stemmer: the Swedish Snowball stemmer maps "vite" (a
fine) to "vit" (white), and an analyst can read and test a pattern. Each keyword may list
`examples` and `counterexamples`; the file does not load if a pattern gets them wrong.

An article's risk for one supplier (`score_article`), in full in docs/media.md:

- the text is split into paragraphs (blank lines), sentences ("bl.a.", "t.ex.", "ca. 20",
  "2,5" and initials do not end one) and clauses;
- a keyword counts for no one when a negation stands near it in its clause ("inga
  polisanmälningar"), a clearing outcome in its sentence ("läggs ned"), a victim frame in
  its sentence ("utsattes för"), talk about the sector in its clause ("i branschen"), or a
  countering word just before it ("arbetet mot fusk") (monitor.media.frames);
- otherwise it goes to the supplier it is about (monitor.media.attribution), weight × the
  mention's confidence × how directly it reaches it;
- a term counts once, at its strongest: the tenth "fusk" in a long article adds nothing;
- praise in a paragraph that mentions the supplier multiplies the points by `praise.factor`;
- risk = 1 - exp(-points / score.saturation_points), 0..1. Recency decay is the ranking's.

Mentions below `score.min_confidence` do not count, so an unconfirmed common-word name
never carries risk.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from monitor.media.attribution import ArticleAnalysis, Hit, Sentence, attribute
from monitor.media.frames import (
    AttributionConfig,
    ClearingConfig,
    CounteringConfig,
    FrameCues,
    SectorConfig,
    VictimConfig,
    phrases_regex,
)
from monitor.media.matching import (
    COMPANY_CUES_BEFORE,
    COMPANY_CUES_COMPOUND,
    CONFIDENCE,
    CONTEXT_WORDS,
    FoldedText,
    Match,
    SupplierId,
    SupplierMatcher,
    SupplierName,
    build_matcher,
    fold_name,
)
from monitor.yamlfile import ConfigFileError, first_error, load_yaml, node_line

MEDIA_FILE = "media.yaml"

# Words after which a full stop is not the end of a sentence (written without the last dot).
_ABBREVIATIONS_TEXT = (
    "bl.a t.ex ca m.m m.fl mfl d.v.s dvs o.s.v osv s.k p.g.a pga resp f.d jfr nr kl kr t.o.m fr.o.m"
    " ev inkl exkl st ek milj mkr tkr dr prof f.n e.d o.d enl ang tel forts publ jan feb mar apr"
    " aug sep sept okt nov dec"
)
ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = re.compile(r"([.!?…]+)[\"'”»’)\]]*(?=\s+(\S))")
# A colon ends a clause only before a space: "IVO:s kritik" and "vd:n" are one word.
_CLAUSE_BREAK = re.compile(r"[,;–—]|:(?!\w)|\s-\s")


def _valid_pattern(pattern: str) -> str:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    if compiled.groupindex:
        raise ValueError(f"pattern {pattern!r}: use (?:...) instead of named groups")
    if compiled.fullmatch(""):
        raise ValueError(f"pattern {pattern!r} matches empty text, so it would match everywhere")
    return pattern


Pattern = Annotated[str, AfterValidator(_valid_pattern)]


class KeywordRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1, description="The word as the team reads it; must match its own patterns.")
    weight: float = Field(gt=0, le=10, description="Risk points at full strength.")
    patterns: tuple[Pattern, ...] = Field(
        (), description="Regular expressions (case-insensitive) for the forms; empty means the term as written."
    )
    category: str = Field("", description="A label for grouping, e.g. brott, tillsyn, avtal.")
    in_compounds: bool = Field(False, description="Also at the end of a compound word: bidragsfusk, assistansfusk.")
    examples: tuple[str, ...] = Field((), description="Forms that must match (checked when the file loads).")
    counterexamples: tuple[str, ...] = Field((), description="Words that must not match: vit for vite.")
    actor_forms: tuple[Pattern, ...] = Field(
        (), description="Forms (regexes ending at the word) in which the one named before it acts on someone else: "
        "'X polisanmäler', 'X säger upp avtalet'. They count only for a supplier named after them.",
    )

    _actor: re.Pattern[str] | None = PrivateAttr(None)

    def model_post_init(self, context: Any) -> None:
        if self.actor_forms:
            self._actor = re.compile("(?:" + "|".join(f"(?:{p})" for p in self.actor_forms) + r")$", re.IGNORECASE)

    def is_actor_form(self, text_to_end: str) -> bool:
        return bool(self._actor and self._actor.search(text_to_end))

    @property
    def regex(self) -> str:
        alternatives = "|".join(f"(?:{p})" for p in self.patterns) or re.escape(fold_name(self.term))
        return (r"\w*?" if self.in_compounds else "") + f"(?:{alternatives})"

    @model_validator(mode="after")
    def _examples_match(self) -> KeywordRule:
        whole = re.compile(rf"(?<!\w){self.regex}(?!\w)", re.IGNORECASE)
        for word in (self.term, *self.examples):
            if not whole.fullmatch(fold_name(word)):
                raise ValueError(f"the patterns do not match {word!r}")
        for word in self.counterexamples:
            if whole.fullmatch(fold_name(word)):
                raise ValueError(f"the patterns match the counterexample {word!r}")
        return self


class NegationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    before: tuple[str, ...] = Field(
        ("inga", "inte", "ingen", "inget", "aldrig", "ej", "friad", "frikänd"),
        description="Words that cancel a keyword shortly after them: inga polisanmälningar.",
    )
    after: tuple[str, ...] = Field(
        ("lades ned", "lades ner", "avskrevs", "friades", "frikändes", "saknas", "saknar grund"),
        description="Words that cancel a keyword shortly before them: åtalet lades ned.",
    )
    window_words: int = Field(5, ge=1, le=20, description="How many words away a negation still counts.")


class PraiseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: tuple[str, ...] = Field(("prisas", "prisad", "bäst i test", "utmärkelse", "nöjdast"))
    factor: float = Field(0.3, ge=0, le=1, description="The points are multiplied by this when praise is near.")


class ProximityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: Literal["sentence", "paragraph"] = Field(
        "sentence", description="Where a keyword counts fully: the mention's sentence or its paragraph."
    )
    paragraph_factor: float = Field(0.5, ge=0, le=1, description="Elsewhere in the mention's paragraph.")
    article_factor: float = Field(0.0, ge=0, le=1, description="Anywhere else in the article.")


class ArticleScoreConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    saturation_points: float = Field(6.0, gt=0, description="risk = 1 - exp(-points / saturation_points).")
    min_confidence: float = Field(0.5, ge=0, le=1, description="Mentions less certain than this carry no risk.")


class MatchingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    common_words: tuple[str, ...] = Field((), description="Ordinary words added to the built-in list.")
    context_words: tuple[str, ...] = Field(
        CONTEXT_WORDS, description="Words that confirm a common-word name nearby: företaget, bolaget."
    )
    context_window_words: int = Field(10, ge=1, le=50)
    company_cues_before: tuple[str, ...] = Field(
        COMPANY_CUES_BEFORE, description="Right before a capitalised common-word name, these make it the company."
    )
    company_cues_compound: tuple[str, ...] = Field(
        COMPANY_CUES_COMPOUND, description="Joined to it by a hyphen: Hemvård-ägaren."
    )
    company_context_confidence: float = Field(
        CONFIDENCE["company_context"], ge=0, le=1, description="The confidence of a name confirmed only by a cue."
    )


class MediaRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: tuple[KeywordRule, ...] = Field(min_length=1)
    negations: NegationConfig = Field(default_factory=NegationConfig)
    praise: PraiseConfig = Field(default_factory=PraiseConfig)
    proximity: ProximityConfig = Field(default_factory=ProximityConfig)
    score: ArticleScoreConfig = Field(default_factory=ArticleScoreConfig)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    clearing: ClearingConfig = Field(default_factory=ClearingConfig)
    victim: VictimConfig = Field(default_factory=VictimConfig)
    sector: SectorConfig = Field(default_factory=SectorConfig)
    countering: CounteringConfig = Field(default_factory=CounteringConfig)
    attribution: AttributionConfig = Field(default_factory=AttributionConfig)

    _frames: FrameCues = PrivateAttr()
    _keywords: re.Pattern[str] = PrivateAttr()
    _before: re.Pattern[str] = PrivateAttr()
    _after: re.Pattern[str] = PrivateAttr()
    _praise: re.Pattern[str] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        # One regex for all keywords, a named group each, so a sentence is read once.
        groups = "|".join(f"(?P<k{i}>{k.regex})" for i, k in enumerate(self.keywords))
        self._keywords = re.compile(rf"(?<!\w)(?:{groups})(?!\w)", re.IGNORECASE)
        self._before = phrases_regex(self.negations.before)
        self._after = phrases_regex(self.negations.after)
        self._praise = phrases_regex(self.praise.terms)
        self._frames = FrameCues(self.clearing, self.victim, self.sector, self.countering, self.attribution)

    def build_matcher(self, suppliers: Iterable[SupplierName]) -> SupplierMatcher:
        m = self.matching
        return build_matcher(suppliers, m.common_words, m.context_words, m.context_window_words,
                             m.company_cues_before, m.company_cues_compound, m.company_context_confidence)

    def _negation(self, sentence: str, start: int, end: int) -> str | None:
        """The negation that cancels the keyword at sentence[start:end], or None."""
        n = self.negations.window_words
        # Only the keyword's own clause: "har inte svarat, men polisanmälan ..." is no negation.
        before = _CLAUSE_BREAK.split(sentence[:start])[-1].split()[-n:]
        after = _CLAUSE_BREAK.split(sentence[end:], maxsplit=1)[0].split()[:n]
        found = self._before.search(" ".join(before)) or self._after.search(" ".join(after))
        return found.group() if found else None


def load_media_rules(rules_dir: Path) -> MediaRules:
    """rules/media.yaml, or ConfigFileError naming file, line, keyword and field."""
    path = rules_dir / MEDIA_FILE
    if not path.exists():
        raise ConfigFileError(f"{path}: media keywords file not found")
    data, tree = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}:1: expected 'keywords:' followed by a list of keywords")
    try:
        rules = MediaRules.model_validate(data)
    except ValidationError as exc:
        loc, problem = first_error(exc, terse=True)
        problem = problem.replace("Value error, ", "")
        if len(loc) >= 2 and loc[0] == "keywords" and isinstance(loc[1], int):
            raw = data["keywords"][loc[1]]
            term = raw.get("term", f"#{loc[1] + 1}") if isinstance(raw, dict) else f"#{loc[1] + 1}"
            rest = problem.split(": ", 1)[1]
            field_name = ".".join(str(p) for p in loc[2:])
            problem = f"keyword {term!r}: " + (f"{field_name}: {rest}" if field_name else rest)
        raise ConfigFileError(f"{path}:{node_line(tree, *loc)}: {problem}") from exc
    seen: dict[str, int] = {}
    for index, keyword in enumerate(rules.keywords):
        line = node_line(tree, "keywords", index) or 0
        if keyword.term.casefold() in seen:
            raise ConfigFileError(
                f"{path}:{line}: keyword {keyword.term!r} appears twice (first at line {seen[keyword.term.casefold()]})"
            )
        seen[keyword.term.casefold()] = line
    return rules


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets in `text` and the index of their paragraph."""
    paragraphs: list[tuple[int, int]] = []
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        paragraphs.append((start, m.start()))
        start = m.end()
    paragraphs.append((start, len(text)))
    sentences: list[Sentence] = []
    for number, (p_start, p_end) in enumerate(p for p in paragraphs if text[p[0] : p[1]].strip()):
        start = p_start
        for m in _SENTENCE_END.finditer(text, p_start, p_end):
            if _ends_sentence(text[start : m.start()], m.group(1), m.group(2)):
                sentences.append(Sentence(start, m.end(), number))
                start = m.end() + len(text[m.end() : p_end]) - len(text[m.end() : p_end].lstrip())
        if text[start:p_end].strip():
            sentences.append(Sentence(start, p_end, number))
    return sentences


def _ends_sentence(before: str, stops: str, following: str) -> bool:
    if following[0].islower():
        return False
    if stops != ".":
        return True
    words = before.split()
    last = words[-1].lstrip("([\"'«”").casefold() if words else ""
    # "A. Andersson": an initial, not a sentence.
    return last not in ABBREVIATIONS and not (len(last) == 1 and last.isalpha())


@dataclass(frozen=True)
class KeywordHit:
    term: str
    weight: float
    sentence: int
    negated: bool  # counted nothing for this supplier; `against` says why
    points: float
    category: str = ""
    against: str = ""  # "negation: inte", "clearing: läggs ned", "victim: utsattes för", ...
    surface: str = ""  # the words as the article has them
    link: str = ""  # how it reached the supplier: clause, sentence, reference, paragraph, article


@dataclass(frozen=True)
class ArticleRisk:
    risk: float
    points: float
    keywords: list[KeywordHit] = field(default_factory=list)
    praise: bool = False
    sentence: str = ""  # the sentence that carried most of the risk
    cleared: str = ""  # the clearing outcome said about this supplier ("läggs ned"), if any


def analyse_article(text: str, rules: MediaRules, mentions: Iterable[Match] | None = None) -> ArticleAnalysis:
    """Read the text once; `mentions` (all suppliers') let risk words go to the supplier they are about."""
    # Pydantic's private attributes are slow to read; once per article, not per sentence.
    frames, keywords_regex, praise_regex = rules._frames, rules._keywords, rules._praise
    sentences = split_sentences(text)
    mention_list = sorted(mentions or (), key=lambda m: m.start)
    analysis = ArticleAnalysis(text, sentences, [], set(), [], {}, {}, {}, mention_list)
    for i, sentence in enumerate(sentences):
        folded_text = FoldedText(text[sentence.start : sentence.end])
        folded = folded_text.text

        def at(pos: int, base: int = sentence.start, ft: FoldedText = folded_text) -> int:
            return base + ft.original(pos)

        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(folded)]
        analysis.clause_starts.append([sentence.start] + [at(b) for b in breaks])
        clause_bounds = [0, *breaks, len(folded) + 1]
        cleared = _cleared_spans(folded, frames)
        if cleared:
            analysis.clearing[i] = [(at(start), phrase) for start, _, phrase in cleared]
        victim = frames.victim.search(folded)
        if victim:
            analysis.victim[i] = victim.group()
        refs = [(at(m.start()), m.group()) for m in frames.references.finditer(folded)]
        if refs:
            analysis.references[i] = refs
        for m in keywords_regex.finditer(folded):
            keyword = rules.keywords[int(m.lastgroup[1:])]  # type: ignore[index]
            clause = bisect_right(clause_bounds, m.start()) - 1
            clause_text = folded[clause_bounds[clause] : clause_bounds[clause + 1]]
            against = _against(folded, m.start(), m.end(), clause_text, cleared, victim, rules, analysis,
                                at(0), at)
            analysis.hits.append(Hit(i, keyword, bool(against), at(m.start()), at(m.end()), against,
                                     keyword.is_actor_form(folded[: m.end()])))
        if praise_regex.search(folded):
            analysis.praise_sentences.add(i)
    return analysis


def _cleared_spans(folded: str, frames: FrameCues) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of the parts of a sentence a clearing outcome covers: up to the
    contrast words around it ("läggs ned, men IVO kritiserar ..." leaves the kritik)."""
    spans = []
    contrasts = [m.start() for m in frames.contrast.finditer(folded)]
    for m in frames.clearing.finditer(folded):
        start = max((c for c in contrasts if c < m.start()), default=0)
        end = min((c for c in contrasts if c > m.end()), default=len(folded))
        spans.append((start, end, m.group()))
    return spans


def _against(
    folded: str, start: int, end: int, clause: str, cleared: list[tuple[int, int, str]], victim: re.Match[str] | None,
    rules: MediaRules, analysis: ArticleAnalysis, sentence_start: int, at: Any,
) -> str:
    """Why a keyword counts for no one, or ""."""
    negation = rules._negation(folded, start, end)
    if negation:
        return f"negation: {negation}"
    for c_start, c_end, phrase in cleared:
        if c_start <= start < c_end:
            return f"clearing: {phrase}"
    if victim:
        return f"victim: {victim.group()}"
    sector = rules._frames.sector.search(clause)
    if sector:
        return f"sector in general: {sector.group()}"
    n = rules.countering.window_words
    before = _CLAUSE_BREAK.split(folded[:start])[-1]
    words = list(re.finditer(r"\S+", before))[-n:]
    if words:
        window_start = words[0].start() + len(folded[:start]) - len(before)
        # The nearest countering word before the keyword.
        counter = max(rules._frames.countering.finditer(folded, window_start, start), key=lambda c: c.start(),
                      default=None)
        # "misstankar mot bolaget om fusk" is no countering: a supplier stands between.
        if counter and not _named_between(analysis, rules, at(counter.end()), at(start)):
            return f"countering: {counter.group()}"
    return ""


def _named_between(analysis: ArticleAnalysis, rules: MediaRules, start: int, end: int) -> bool:
    if any(start <= m.start < end for m in analysis.mentions):
        return True
    return bool(rules._frames.references.search(FoldedText(analysis.text[start:end]).text))


def score_article(
    text: str, mentions: Iterable[Match], rules: MediaRules, analysis: ArticleAnalysis | None = None
) -> ArticleRisk:
    """The article's risk for the supplier these mentions name (give one supplier's mentions).

    Give `analysis` from `analyse_article(text, rules, every_suppliers_mentions)` so that risk
    words go to the supplier they are about; without it these mentions are taken as all."""
    mentions = list(mentions)
    if analysis is None or not analysis.mentions:
        analysis = analyse_article(text, rules, mentions)
    wanted = {m.supplier_id for m in mentions}
    sentences = analysis.sentences
    found: list[KeywordHit] = []
    best: dict[str, float] = {}
    carrier: dict[str, int] = {}
    for hit in analysis.hits:
        targets = [t for t in attribute(analysis, rules, hit.sentence, hit.start, hit.actor)
                   if t.mention.supplier_id in wanted]
        if not targets:
            continue
        target = max(targets, key=lambda t: (not t.against, t.factor * t.mention.confidence))
        against = hit.against or target.against
        factor = target.factor * target.mention.confidence
        points = 0.0 if against else hit.keyword.weight * factor
        found.append(KeywordHit(hit.keyword.term, hit.keyword.weight, hit.sentence, bool(against), points,
                                hit.keyword.category, against, text[hit.start : hit.end], target.link))
        if points > best.get(hit.keyword.term, 0.0):
            best[hit.keyword.term] = points
            carrier[hit.keyword.term] = hit.sentence
        else:
            best.setdefault(hit.keyword.term, 0.0)
    in_paragraph = {sentences[max(0, bisect_right([s.start for s in sentences], m.start) - 1)].paragraph
                    for m in mentions if m.confidence >= rules.score.min_confidence} if sentences else set()
    total = sum(best.values())
    praised = any(sentences[i].paragraph in in_paragraph for i in analysis.praise_sentences)
    if praised:
        total *= rules.praise.factor
    cleared = ""
    for i, spots in sorted(analysis.clearing.items()):
        for pos, phrase in spots:
            if any(t.mention.supplier_id in wanted and not t.against.startswith("actor")
                   for t in attribute(analysis, rules, i, pos)):
                cleared = cleared or phrase
    sentence = ""
    if total > 0:
        top = max(best, key=lambda term: best[term])
        s = sentences[carrier[top]]
        sentence = " ".join(text[s.start : s.end].split())
    return ArticleRisk(1 - math.exp(-total / rules.score.saturation_points), total, found, praised, sentence, cleared)


def score_article_by_supplier(text: str, mentions: Iterable[Match], rules: MediaRules) -> dict[SupplierId, ArticleRisk]:
    """Each mentioned supplier's risk from one article; the text is analysed once."""
    mentions = list(mentions)
    by_supplier: dict[SupplierId, list[Match]] = defaultdict(list)
    for mention in mentions:
        by_supplier[mention.supplier_id].append(mention)
    if not by_supplier:
        return {}
    analysis = analyse_article(text, rules, mentions)
    return {sid: score_article(text, found, rules, analysis) for sid, found in by_supplier.items()}
