"""Risk keywords near supplier mentions: how much an article says about wrongdoing.

rules/media.yaml lists Swedish terms with a weight and regular expressions for their
inflected forms. Patterns rather than a stemmer: the Swedish Snowball stemmer maps "vite" (a
fine) to "vit" (white), and an analyst can read and test a pattern. Each keyword may list
`examples` and `counterexamples`; the file does not load if a pattern gets them wrong.

An article's risk for one supplier (`score_article`):

- the text is split into paragraphs (blank lines) and sentences ("bl.a.", "t.ex.", "ca. 20",
  "2,5" and initials do not end one);
- a keyword in a sentence that mentions the supplier counts weight × the mention's
  confidence; elsewhere in that paragraph × `proximity.paragraph_factor` (or fully with
  `proximity.scope: paragraph`); anywhere else × `proximity.article_factor` (default 0);
- a negation within `negations.window_words` before it in the same clause ("inga
  polisanmälningar", "ingen misstanke om fusk") or after it ("åtalet lades ned") cancels it;
- a term counts once, at its strongest occurrence: the tenth "fusk" in a long article about
  one case adds nothing;
- praise in a paragraph that mentions the supplier ("prisas", "bäst i test") multiplies the
  points by `praise.factor`;
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
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from monitor.media.matching import (
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
_CLAUSE_BREAK = re.compile(r"[,;:–—]")


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


def _phrases_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(fold_name(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.IGNORECASE)


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


class MediaRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: tuple[KeywordRule, ...] = Field(min_length=1)
    negations: NegationConfig = Field(default_factory=NegationConfig)
    praise: PraiseConfig = Field(default_factory=PraiseConfig)
    proximity: ProximityConfig = Field(default_factory=ProximityConfig)
    score: ArticleScoreConfig = Field(default_factory=ArticleScoreConfig)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)

    _keywords: re.Pattern[str] = PrivateAttr()
    _before: re.Pattern[str] = PrivateAttr()
    _after: re.Pattern[str] = PrivateAttr()
    _praise: re.Pattern[str] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        # One regex for all keywords, a named group each, so a sentence is read once.
        groups = "|".join(f"(?P<k{i}>{k.regex})" for i, k in enumerate(self.keywords))
        self._keywords = re.compile(rf"(?<!\w)(?:{groups})(?!\w)", re.IGNORECASE)
        self._before = _phrases_regex(self.negations.before)
        self._after = _phrases_regex(self.negations.after)
        self._praise = _phrases_regex(self.praise.terms)

    def build_matcher(self, suppliers: Iterable[SupplierName]) -> SupplierMatcher:
        m = self.matching
        return build_matcher(suppliers, m.common_words, m.context_words, m.context_window_words)

    def _negated(self, sentence: str, start: int, end: int) -> bool:
        n = self.negations.window_words
        # Only the keyword's own clause: "har inte svarat, men polisanmälan ..." is no negation.
        before = _CLAUSE_BREAK.split(sentence[:start])[-1].split()[-n:]
        after = _CLAUSE_BREAK.split(sentence[end:], maxsplit=1)[0].split()[:n]
        return bool(self._before.search(" ".join(before)) or self._after.search(" ".join(after)))


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


class Sentence(NamedTuple):
    start: int
    end: int
    paragraph: int


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
    negated: bool
    points: float
    category: str = ""


@dataclass(frozen=True)
class ArticleRisk:
    risk: float
    points: float
    keywords: list[KeywordHit] = field(default_factory=list)
    praise: bool = False


@dataclass
class ArticleAnalysis:
    """What an article says, before asking about whom: keywords and praise per sentence."""

    sentences: list[Sentence]
    hits: list[tuple[int, KeywordRule, bool]]  # sentence index, keyword, negated
    praise_sentences: set[int]


def analyse_article(text: str, rules: MediaRules) -> ArticleAnalysis:
    sentences = split_sentences(text)
    hits: list[tuple[int, KeywordRule, bool]] = []
    praise: set[int] = set()
    for i, sentence in enumerate(sentences):
        folded = FoldedText(text[sentence.start : sentence.end]).text
        for m in rules._keywords.finditer(folded):
            keyword = rules.keywords[int(m.lastgroup[1:])]  # type: ignore[index]
            hits.append((i, keyword, rules._negated(folded, m.start(), m.end())))
        if rules._praise.search(folded):
            praise.add(i)
    return ArticleAnalysis(sentences, hits, praise)


def score_article(
    text: str, mentions: Iterable[Match], rules: MediaRules, analysis: ArticleAnalysis | None = None
) -> ArticleRisk:
    """The article's risk for the supplier these mentions name (give one supplier's mentions)."""
    analysis = analysis or analyse_article(text, rules)
    sentences = analysis.sentences
    starts = [s.start for s in sentences]
    in_sentence: dict[int, float] = {}
    in_paragraph: dict[int, float] = {}
    for mention in mentions:
        if mention.confidence < rules.score.min_confidence or not sentences:
            continue
        i = max(0, bisect_right(starts, mention.start) - 1)
        in_sentence[i] = max(in_sentence.get(i, 0.0), mention.confidence)
        p = sentences[i].paragraph
        in_paragraph[p] = max(in_paragraph.get(p, 0.0), mention.confidence)
    if not in_sentence:
        return ArticleRisk(0.0, 0.0)
    proximity = rules.proximity
    paragraph_factor = 1.0 if proximity.scope == "paragraph" else proximity.paragraph_factor
    strongest = max(in_sentence.values())
    found: list[KeywordHit] = []
    best: dict[str, float] = {}
    for i, keyword, negated in analysis.hits:
        paragraph = sentences[i].paragraph
        if i in in_sentence:
            factor = in_sentence[i]
        elif paragraph in in_paragraph:
            factor = in_paragraph[paragraph] * paragraph_factor
        else:
            factor = strongest * proximity.article_factor
        if factor <= 0:
            continue
        points = 0.0 if negated else keyword.weight * factor
        found.append(KeywordHit(keyword.term, keyword.weight, i, negated, points, keyword.category))
        best[keyword.term] = max(best.get(keyword.term, 0.0), points)
    total = sum(best.values())
    praised = any(sentences[i].paragraph in in_paragraph for i in analysis.praise_sentences)
    if praised:
        total *= rules.praise.factor
    return ArticleRisk(1 - math.exp(-total / rules.score.saturation_points), total, found, praised)


def score_article_by_supplier(text: str, mentions: Iterable[Match], rules: MediaRules) -> dict[SupplierId, ArticleRisk]:
    """Each mentioned supplier's risk from one article; the text is analysed once."""
    by_supplier: dict[SupplierId, list[Match]] = defaultdict(list)
    for mention in mentions:
        by_supplier[mention.supplier_id].append(mention)
    if not by_supplier:
        return {}
    analysis = analyse_article(text, rules)
    return {sid: score_article(text, found, rules, analysis) for sid, found in by_supplier.items()}
