"""Suppliers named in article text: every name, alias and org number at once.

All suppliers' name variants go into one Aho-Corasick automaton (pyahocorasick), so a text
is read once however many suppliers there are; a regex per supplier would read it 10,000
times. The automaton finds raw occurrences; the checks that need context run only on those:

- Names are compared normalised: Unicode NFC, casefold (å, ä and ö stay letters of their
  own), whitespace collapsed. A trailing legal form (AB, Aktiebolag, HB, KB, Ek. för., (publ)
  ...) and a place suffix ("i Huddinge") are stripped to give the name people write.
- Word boundaries: "Trygg" inside "Otrygg" is no match. A name followed by a genitive s
  ("Attendos", "A&O:s") or joined by a hyphen ("Attendo-ägda", "ex-Attendo") is.
  A name run together with another word ("Attendokoncernen") is not: Swedish closes
  compounds without a hyphen all the time, and "Vård" would then be in every "vårdnad".
- Org numbers, with or without the hyphen, match exactly; the register's own numbers are
  Luhn-checked, so a number with a wrong check digit never matches.
- A name made only of ordinary words ("Trygg Hemtjänst AB" -> "trygg hemtjänst") is a match
  only with a second signal in the same text: the supplier's org number or full legal name
  (with its legal form), or, for names of two words or more, a context word such as
  "företaget" within `context_window_words`; or, for a name of any length, a company cue
  right beside it ("hos Hemvård", "bolaget Hemvård", "Hemvård-ägaren"). Either way it must be
  written with a capital: a lower-case "hemvård" is the ordinary word, never the company. Once
  a cue has confirmed it, the name's other capitalised uses in the same text count too. These
  matches have reason "company_context", their own lower confidence, and a `note` saying
  which cue confirmed them. Without one the occurrence is dropped: an article about "trygg
  hemtjänst" in general must not raise that supplier's risk.
  `find(text, keep_unconfirmed=True)` keeps them with reason "needs_second_signal" and a low
  confidence, for reviewing the word lists.

Match offsets index the caller's text, even when it arrives decomposed (NFD).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

import ahocorasick
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

logger = logging.getLogger(__name__)

SupplierId = int | str
Reason = Literal[
    "org_number", "legal_name", "exact_name", "alias", "genitive", "compound", "company_context", "needs_second_signal"
]

CONFIDENCE: dict[str, float] = {
    "org_number": 1.0,
    "legal_name": 1.0,
    "exact_name": 0.9,
    "genitive": 0.85,
    "alias": 0.8,
    "compound": 0.75,
    "company_context": 0.6,
}
UNCONFIRMED_CONFIDENCE = 0.2
# Shorter keys ("AB", "Vi") would match all over ordinary text.
MIN_KEY_CHARS = 3

_COMMON_WORDS_TEXT = """
    hemtjänst hemtjänsten hemtjänstens omsorg omsorgen omsorgens vård vården vårdens omvårdnad
    hemvård hemvården äldreomsorg äldrevård assistans assistansen personlig personliga boende
    boendet stöd stödet service servicen hjälp hjälpen hem hemma hemmet hemmets
    trygg trygga tryggt trygghet tryggheten god goda gott bra bästa bättre din ditt dina er
    vår våra min mitt och & i på med för till av care home omsorgs social sociala hälsa
    hälsan friskvård lss hvb daglig dagliga verksamhet verksamheten gruppbostad familjehem
    stödboende korttidsboende äldre senior seniorer nära närhet lokal lokala hemnära
    sverige svensk svenska nordisk nordiska
"""
COMMON_WORDS: frozenset[str] = frozenset(_COMMON_WORDS_TEXT.split())

# Words right before a common-word name that make it a company: "hos Hemvård", "bolaget Hemvård".
COMPANY_CUES_BEFORE: tuple[str, ...] = ("hos", "bolaget", "företaget", "utföraren", "leverantören")
# Words joined to it by a hyphen: "Hemvård-ägaren", "Hemvård-ägda".
COMPANY_CUES_COMPOUND: tuple[str, ...] = ("ägaren", "ägare", "ägd", "ägda", "chefen", "vd:n", "koncernen", "anställda")

CONTEXT_WORDS: tuple[str, ...] = (
    "företaget", "bolaget", "hemtjänstföretaget", "omsorgsföretaget", "vårdföretaget",
    "assistansföretaget", "assistansbolaget", "utföraren", "leverantören", "koncernen", "ägaren", "vd",
)

_LEGAL_FORM = (
    r"aktiebolag(?:et)?|ab|handelsbolag(?:et)?|hb|kommanditbolag(?:et)?|kb"
    r"|ekonomisk förening|ek\.? ?för\.?|ideell förening|publ"
)
_TRAILING_LEGAL_FORMS = re.compile(rf"(?:[ ,]+(?:{_LEGAL_FORM})|[ ,]*\(publ\))+[ .,]*$", re.IGNORECASE)
_LEADING_AB = re.compile(r"^ab ", re.IGNORECASE)  # the older order, "AB Trygghetsvakten"
# " i Huddinge", " i Upplands Väsby": a place written with a capital in the register's name.
_PLACE_SUFFIX = re.compile(r" i ((?:[A-ZÅÄÖ][\w-]*)(?: [A-ZÅÄÖ][\w-]*){0,2})$")
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]|\xad")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})
_WORD = re.compile(r"\w+")
_GENITIVE_LESS_ENDINGS = "sxz"  # "Aleris" is its own genitive


@dataclass(frozen=True)
class SupplierName:
    """A supplier as the register knows it; `aliases` are other names it goes by."""

    supplier_id: SupplierId
    org_number: str | None
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    supplier_id: SupplierId
    start: int
    end: int
    surface: str
    reason: Reason
    confidence: float
    note: str = ""  # why a common-word name counted: the company cue beside it


class NameForms(NamedTuple):
    legal: str  # the whole name, normalised
    plain: str  # without the legal form
    core: str  # without legal form and place suffix


class _Entry(NamedTuple):
    supplier_id: SupplierId
    reason: Reason
    common: bool  # only ordinary words: needs a second signal
    words: int


class FoldedText:
    """Text normalised like the names, with a way back to the caller's offsets.

    The map is a list of breakpoints: from folded offset `norm[i]` on, folded and original
    offsets differ by `orig[i] - norm[i]`. Most texts need one breakpoint per paragraph break."""

    __slots__ = ("_norm", "_orig", "text")

    def __init__(self, text: str) -> None:
        self._norm: list[int] = []
        self._orig: list[int] = []
        if unicodedata.is_normalized("NFC", text) and len(folded := text.casefold()) == len(text):
            self.text = _ODD_SPACE.sub(self._collapse, folded).translate(_HYPHENS)
        else:
            self.text = self._fold_slowly(text)

    def _collapse(self, m: re.Match[str]) -> str:
        piece = "" if m.group() == "\xad" else " "
        shift = (self._orig[-1] - self._norm[-1]) if self._norm else 0
        self._norm.append(m.start() - shift + len(piece))
        self._orig.append(m.end())
        return piece

    def _fold_slowly(self, text: str) -> str:
        # Decomposed input ("a" + combining ring) or a letter casefold lengthens ("ß" -> "ss"):
        # fold one base character with its combining marks at a time.
        out: list[str] = []
        n = i = 0
        while i < len(text):
            j = i + 1
            while j < len(text) and unicodedata.combining(text[j]):
                j += 1
            piece = unicodedata.normalize("NFC", text[i:j]).casefold()
            if piece == "\xad":
                piece = ""
            elif piece.isspace():
                piece = "" if out and out[-1] == " " else " "
            if piece:
                out.append(piece)
            n += len(piece)
            if len(piece) != j - i:
                self._norm.append(n)
                self._orig.append(j)
            i = j
        return "".join(out).translate(_HYPHENS)

    def original(self, pos: int) -> int:
        i = bisect_right(self._norm, pos) - 1
        return pos if i < 0 else self._orig[i] + pos - self._norm[i]


def fold_name(name: str) -> str:
    """A name as it is compared: NFC, casefolded, single spaces, no edge punctuation."""
    folded = unicodedata.normalize("NFC", name).casefold().replace("\xad", "")
    return " ".join(folded.split()).strip(" ,;:").translate(_HYPHENS)


def name_forms(name: str, common_words: frozenset[str] = COMMON_WORDS) -> NameForms:
    """The legal name, without legal form, and without legal form and place suffix."""
    cased = " ".join(unicodedata.normalize("NFC", name).split()).strip(" ,;:")
    cased_plain = _LEADING_AB.sub("", _TRAILING_LEGAL_FORMS.sub("", cased)).strip(" ,") or cased
    cased_core = cased_plain
    place = _PLACE_SUFFIX.search(cased_plain)
    # "Vård i Hemmet" keeps "i Hemmet": a common word after "i" is no place.
    if place and not all(w in common_words for w in _WORD.findall(place.group(1).casefold())):
        cased_core = cased_plain[: place.start()].strip() or cased_plain
    return NameForms(fold_name(cased), fold_name(cased_plain), fold_name(cased_core))


def _is_common(form: str, common_words: frozenset[str]) -> bool:
    words = form.replace("&", " & ").split()
    return all(w.strip(",.") in common_words for w in words)


def _org_keys(org_number: str | None, supplier_id: SupplierId) -> tuple[str, ...]:
    if not org_number:
        return ()
    try:
        compact = orgnr.compact(orgnr.validate(org_number))
    except StdnumError:
        logger.warning("Ignoring invalid org number for matching supplier_id=%s", supplier_id)
        return ()
    return compact, f"{compact[:6]}-{compact[6:]}"


class SupplierMatcher:
    """Finds suppliers in text. Build once per supplier register with `build_matcher`."""

    def __init__(
        self, entries: dict[str, list[_Entry]], context_words: Iterable[str], context_window_words: int,
        cues_before: Iterable[str] = COMPANY_CUES_BEFORE, cues_compound: Iterable[str] = COMPANY_CUES_COMPOUND,
        context_confidence: float = CONFIDENCE["company_context"],
    ) -> None:
        self.variants = entries
        self.context_words = frozenset(w.casefold() for w in context_words)
        self.context_window_words = context_window_words
        self.cues_before = frozenset(fold_name(w) for w in cues_before)
        self.cues_compound = tuple(sorted({fold_name(w) for w in cues_compound}, key=len, reverse=True))
        self.context_confidence = context_confidence
        self._automaton = ahocorasick.Automaton()
        for key, key_entries in entries.items():
            is_number = key_entries[0].reason == "org_number"
            self._automaton.add_word(key, (len(key), is_number, tuple(key_entries)))
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str, keep_unconfirmed: bool = False) -> list[Match]:
        """Every supplier mention in `text`, in order; overlapping names give the longest."""
        folded = FoldedText(text)
        return self._resolve(text, folded, self._scan(folded.text), keep_unconfirmed)

    def _scan(self, folded: str) -> Iterator[tuple[int, int, bool, tuple[_Entry, ...]]]:
        """Raw occurrences (start, end, is_org_number, entries), boundaries unchecked."""
        if not self.variants:
            return
        for last, (length, is_number, entries) in self._automaton.iter(folded):
            yield last + 1 - length, last + 1, is_number, entries

    def _resolve(
        self, text: str, folded: FoldedText, raw: Iterable[tuple[int, int, bool, tuple[_Entry, ...]]],
        keep_unconfirmed: bool,
    ) -> list[Match]:
        s = folded.text
        spans: list[tuple[int, int, str | None, tuple[_Entry, ...]]] = []
        for start, end, is_number, entries in raw:
            shape = _boundary_shape(s, start, end, is_number)
            if shape is not None:
                spans.append((start, end + shape[1], shape[0], entries))
        if not spans:
            return []
        spans.sort(key=lambda sp: (sp[0], sp[0] - sp[1]))
        kept: list[tuple[int, int, str | None, tuple[_Entry, ...]]] = []
        for span in spans:
            if kept and span[0] < kept[-1][1]:
                continue  # inside or across a longer (or earlier) name: "Omsorgshuset" in "Omsorgshuset i Huddinge"
            kept.append(span)
        candidates = [(start, end, shape, e) for start, end, shape, entries in kept for e in entries]
        confirmed = {e.supplier_id for *_, e in candidates if not e.common}
        # A common-word name needs a capital and a company cue; one cue confirms its other
        # capitalised uses in the text ("bolaget Hemvård ... Hemvård svarar inte").
        cued: dict[SupplierId, str] = {}
        notes: list[str | None] = []
        for start, end, _shape, e in candidates:
            note = None
            if e.common and e.supplier_id not in confirmed and self._capitalised(text, folded, start):
                note = self._company_cue(s, start, end, e.words)
                if note:
                    cued.setdefault(e.supplier_id, note)
            notes.append(note)
        matches: list[Match] = []
        for (start, end, shape, e), note in zip(candidates, notes, strict=True):
            reason: Reason = shape or e.reason  # type: ignore[assignment]
            confidence = CONFIDENCE[reason]
            o_start, o_end = folded.original(start), folded.original(end)
            if e.common and e.supplier_id not in confirmed:
                if note is None and e.supplier_id in cued and self._capitalised(text, folded, start):
                    note = f"named as a company elsewhere in the text ({cued[e.supplier_id]})"
                if note is not None:
                    reason, confidence = "company_context", min(confidence, self.context_confidence)
                elif keep_unconfirmed:
                    reason, confidence = "needs_second_signal", UNCONFIRMED_CONFIDENCE
                else:
                    continue
            matches.append(Match(e.supplier_id, o_start, o_end, text[o_start:o_end], reason, confidence, note or ""))
        return matches

    @staticmethod
    def _capitalised(text: str, folded: FoldedText, start: int) -> bool:
        first = text[folded.original(start) : folded.original(start) + 1]
        return first.isupper()

    def _company_cue(self, s: str, start: int, end: int, words: int) -> str | None:
        """The cue that makes a capitalised common-word name a company here, or None."""
        previous = _WORD.findall(s[max(0, start - 40) : start])
        if previous and previous[-1] in self.cues_before:
            return f"after {previous[-1]!r}"
        if s[end : end + 1] == "-":
            after = s[end + 1 : end + 20]
            for cue in self.cues_compound:
                if after.startswith(cue) and not after[len(cue) : len(cue) + 1].isalnum():
                    return f"compound '-{cue}'"
        if words >= 2 and self._context_word_near(s, start, end):
            return "a company word nearby"
        return None

    def _context_word_near(self, s: str, start: int, end: int) -> bool:
        n = self.context_window_words
        # 30 characters a word is more than Swedish news text needs.
        before = _WORD.findall(s[max(0, start - 30 * n) : start])[-n:]
        after = _WORD.findall(s[end : end + 30 * n])[:n]
        return not self.context_words.isdisjoint(before) or not self.context_words.isdisjoint(after)


def _boundary_shape(s: str, start: int, end: int, is_number: bool) -> tuple[Reason | None, int] | None:
    """None if the occurrence is part of a longer word; else (genitive/compound/None, extra chars)."""
    if start > 0 and s[start - 1].isalnum():
        return None
    after = s[end] if end < len(s) else " "
    if is_number:
        return (None, 0) if not after.isalnum() else None
    prefixed = start > 1 and s[start - 1] == "-" and s[start - 2].isalpha()
    if not after.isalnum():
        if after == "-" and end + 1 < len(s) and s[end + 1].isalpha():
            return ("compound", 0)
        if after == ":" and s[end + 1 : end + 2] == "s" and not s[end + 2 : end + 3].isalnum():
            return ("genitive", 2)
        return ("compound", 0) if prefixed else (None, 0)
    if after == "s" and not s[end + 1 : end + 2].isalnum() and s[end - 1] not in _GENITIVE_LESS_ENDINGS:
        return ("genitive", 1)
    return None


def build_matcher(
    suppliers: Iterable[SupplierName],
    common_words: Iterable[str] | None = None,
    context_words: Iterable[str] = CONTEXT_WORDS,
    context_window_words: int = 10,
    cues_before: Iterable[str] = COMPANY_CUES_BEFORE,
    cues_compound: Iterable[str] = COMPANY_CUES_COMPOUND,
    context_confidence: float = CONFIDENCE["company_context"],
) -> SupplierMatcher:
    """A matcher over every supplier's names, aliases and org numbers.

    `common_words` are added to COMMON_WORDS (place names of the municipality belong there);
    `context_words` replace CONTEXT_WORDS."""
    common = COMMON_WORDS | frozenset(w.casefold() for w in common_words or ())
    entries: dict[str, list[_Entry]] = {}

    def add(key: str, supplier_id: SupplierId, reason: Reason, is_common: bool) -> None:
        if len(key) < MIN_KEY_CHARS:
            return
        entry = _Entry(supplier_id, reason, is_common, len(key.split()))
        bucket = entries.setdefault(key, [])
        # The same key twice for one supplier (name == alias) keeps the stronger reason.
        for i, old in enumerate(bucket):
            if old.supplier_id == supplier_id:
                if CONFIDENCE[reason] > CONFIDENCE[old.reason]:
                    bucket[i] = entry
                return
        bucket.append(entry)

    for supplier in suppliers:
        sid = supplier.supplier_id
        for key in _org_keys(supplier.org_number, sid):
            add(key, sid, "org_number", False)
        for index, name in enumerate((supplier.name, *supplier.aliases)):
            forms = name_forms(name, common)
            named: Reason = "exact_name" if index == 0 else "alias"
            if forms.legal != forms.plain:
                add(forms.legal, sid, "legal_name" if index == 0 else "alias", False)
            plain_common = _is_common(forms.plain, common)
            add(forms.plain, sid, named, plain_common)
            # "Omsorg i Huddinge" is a name; "Omsorg" alone is a word, which counts only as a
            # common-word name does (a capital and a company cue).
            if forms.core != forms.plain:
                add(forms.core, sid, named, _is_common(forms.core, common))
    return SupplierMatcher(entries, context_words, context_window_words, cues_before, cues_compound,
                           context_confidence)
