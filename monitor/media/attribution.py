"""Whom an article's words are about: the supplier mentions a risk word or a clearing outcome goes to.

In a sentence that names suppliers, a word goes to those in its clause, else to those in the
nearest clause before it, else to all of them; never to one marked as the other party
("Attendo tar över", "men inte Humana"). In a sentence that names none, it goes to the
suppliers of the nearest sentence that does (before it, else after it): fully when the
sentence refers back ("bolaget"), else by the proximity factors. The cues are data in
rules/media.yaml (`attribution`, `victim.before_mention`, keywords' `actor_forms`); see
docs/media.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from monitor.media.matching import FoldedText, Match

if TYPE_CHECKING:
    from monitor.media.keywords import KeywordRule, MediaRules


class Sentence(NamedTuple):
    start: int
    end: int
    paragraph: int


class Hit(NamedTuple):
    sentence: int
    keyword: KeywordRule
    negated: bool  # cancelled whoever it is about (negation, clearing, victim, sector, countering)
    start: int  # offsets in the article text
    end: int
    against: str
    actor: bool  # an actor form: it does not count for a supplier named before it


@dataclass
class ArticleAnalysis:
    """What an article says, before asking about whom: keywords, frames and praise per sentence."""

    text: str
    sentences: list[Sentence]
    hits: list[Hit]
    praise_sentences: set[int]
    clause_starts: list[list[int]]  # per sentence, article offsets where its clauses begin
    clearing: dict[int, list[tuple[int, str]]]  # sentence -> (article offset, phrase)
    victim: dict[int, str]  # sentence -> victim phrase
    references: dict[int, list[tuple[int, str]]]  # sentence -> (article offset, word) referring back
    mentions: list[Match] = field(default_factory=list)  # every supplier's, when known
    # Worked out once per article, not once per keyword: mentions per sentence, other-party cues.
    _by_sentence: dict[int, list[Match]] | None = None
    _other_party: dict[int, str] = field(default_factory=dict)


class Target(NamedTuple):
    mention: Match
    factor: float  # of the mention's confidence
    link: str
    against: str


def attribute(
    analysis: ArticleAnalysis, rules: MediaRules, sentence: int, start: int, actor: bool = False
) -> list[Target]:
    """Which supplier mentions something at `start` in `sentence` is about, and how strongly.

    In a sentence that names suppliers: those in the same clause, else those in the nearest
    clause before it, else all; never one marked as the other party ("Attendo tar över",
    "men inte Humana"). In a sentence that names none: the suppliers of the nearest sentence
    that does (before it, else after it): fully when the sentence refers back ("bolaget"),
    else × proximity.paragraph_factor in the same paragraph and × article_factor elsewhere."""
    sentences = analysis.sentences
    if analysis._by_sentence is None:
        starts = [s.start for s in sentences]
        analysis._by_sentence = defaultdict(list)
        for m in analysis.mentions:
            if m.confidence >= rules.score.min_confidence:
                analysis._by_sentence[max(0, bisect_right(starts, m.start) - 1)].append(m)
    by_sentence = analysis._by_sentence
    if not by_sentence:
        return []
    frames = rules._frames
    text = analysis.text

    def _other_party(m: Match) -> str:
        if m.start not in analysis._other_party:
            analysis._other_party[m.start] = _other_party_cue(text, m, rules)
        return analysis._other_party[m.start]

    if sentence in by_sentence:
        here = [m for m in by_sentence[sentence] if not _other_party(m)]
        clause_starts = analysis.clause_starts[sentence]

        def clause_of(pos: int) -> int:
            return bisect_right(clause_starts, pos) - 1

        clause = clause_of(start)
        chosen = [m for m in here if clause_of(m.start) == clause]
        if not chosen:
            earlier = [clause_of(m.start) for m in here if m.start < start]
            chosen = [m for m in here if earlier and clause_of(m.start) == max(earlier)] or here
        targets = []
        for m in chosen:
            against = ""
            if actor and m.start < start:
                against = f"actor: {m.surface} does it to someone else"
            else:
                victim = frames.victim_before.search(FoldedText(_words_before(text, m.start, 3)).text)
                if victim:
                    against = f"victim: {victim.group()} {m.surface}"
            targets.append(Target(m, 1.0, "clause" if clause_of(m.start) == clause else "sentence", against))
        # Listed with the reason, so that `monitor media explain` can say why they got nothing.
        for m in by_sentence[sentence]:
            cue = _other_party(m)
            if cue:
                targets.append(Target(m, 1.0, "sentence", f"other party: {m.surface} {cue}"))
        return targets
    named = sorted(by_sentence)
    earlier = [j for j in named if j < sentence]
    later = [j for j in named if j > sentence]
    if not earlier and not later:
        return []
    source = earlier[-1] if earlier else later[0]
    refs = analysis.references.get(sentence, [])
    proximity = rules.proximity
    if refs:
        factor, link = 1.0, f"reference: {refs[0][1]}"
    elif sentences[source].paragraph == sentences[sentence].paragraph:
        factor = 1.0 if proximity.scope == "paragraph" else proximity.paragraph_factor
        link = "paragraph"
    else:
        factor, link = proximity.article_factor, "article"
    if factor <= 0:
        return []
    against = ""
    if actor and any(pos < start for pos, _ in refs):
        against = "actor: the supplier does it to someone else"
    elif source in analysis.victim:
        against = f"victim: {analysis.victim[source]} (earlier sentence)"
    elif source in analysis.clearing:
        against = f"clearing: {analysis.clearing[source][0][1]} (earlier sentence)"
    candidates = [m for m in by_sentence[source] if not _other_party(m)]
    return [Target(m, factor, link, against) for m in candidates]


def _words_before(text: str, pos: int, n: int) -> str:
    return " ".join(text[max(0, pos - 15 * n) : pos].split()[-n:])


def _words_after(text: str, pos: int, n: int) -> str:
    return " ".join(text[pos : pos + 15 * n].split()[:n])


def _other_party_cue(text: str, mention: Match, rules: MediaRules) -> str:
    """The cue that makes this mention the other party ("tar över"), or ""."""
    n = rules.attribution.window_words
    frames = rules._frames
    before = FoldedText(_words_before(text, mention.start, n)).text
    after = FoldedText(_words_after(text, mention.end, n)).text
    found = frames.other_before.search(before) or frames.other_after.search(after)
    return found.group() if found else ""
