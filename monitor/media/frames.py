"""What a sentence says around a risk word: whether it is bad news, and for whom.

The sections of rules/media.yaml after the keywords, as data: outcomes that clear a supplier
("läggs ned", "frias"), frames where the supplier is the victim ("utsattes för", "inbrott
hos"), talk about the sector in general ("i branschen", "andra utförare"), words that fight
a crime rather than report one ("arbetet mot fusk"), and the cues that tell which of several
suppliers in a sentence the risk words are about ("Attendo tar över", "men inte Humana").
monitor.media.keywords applies them; every list is of whole words or phrases, matched
case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from monitor.media.matching import fold_name


def phrases_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex for whole-word phrases, the longest first so "läggs ned" wins over "läggs"."""
    alternatives = "|".join(re.escape(fold_name(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.IGNORECASE)


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClearingConfig(_Frame):
    phrases: tuple[str, ...] = Field(
        ("läggs ned", "lades ned", "frias", "friades", "friande dom", "ingen misstanke", "avvisas"),
        description="An outcome that clears: no risk word in its sentence counts (up to a contrast word).",
    )
    contrast: tuple[str, ...] = Field(
        ("men", "dock", "däremot", "samtidigt"),
        description="Words after which the sentence turns: 'utredningen läggs ned, men IVO riktar kritik'.",
    )
    earlier_factor: float = Field(
        0.5, ge=0, le=1,
        description="A clearing article multiplies the weight of the supplier's earlier risky articles by this.",
    )


class VictimConfig(_Frame):
    phrases: tuple[str, ...] = Field(
        ("utsattes för", "drabbades av", "inbrott", "stölden", "offer för"),
        description="In a sentence, these make its risk words a crime against the supplier, not by it.",
    )
    before_mention: tuple[str, ...] = Field(
        ("bedrägeri mot", "inbrott hos", "stöld hos"),
        description="Right before a supplier's name, these make that supplier the victim: 'bedrägeri mot X'.",
    )


class SectorConfig(_Frame):
    phrases: tuple[str, ...] = Field(
        ("i branschen", "branschen", "andra utförare", "oseriösa aktörer"),
        description="In a clause, these make its risk words about the sector in general.",
    )


class CounteringConfig(_Frame):
    phrases: tuple[str, ...] = Field(
        ("mot", "bekämpa", "förebygga", "motverka"),
        description="Shortly before a risk word, these fight it: 'arbetet mot fusk', 'förebygga bidragsfusk'.",
    )
    window_words: int = Field(4, ge=1, le=10, description="How many words back, with no supplier in between.")


class AttributionConfig(_Frame):
    other_party_before: tuple[str, ...] = Field(
        ("tar över", "men inte", "går till", "ersätts av"),
        description="Shortly before a supplier's name: it is not who the sentence's risk words are about.",
    )
    other_party_after: tuple[str, ...] = Field(
        ("tar över", "ersätter", "får uppdraget"),
        description="Shortly after a supplier's name: 'Attendo tar över efter ...'.",
    )
    window_words: int = Field(3, ge=1, le=10, description="How many words away these cues count.")
    references: tuple[str, ...] = Field(
        ("bolaget", "företaget", "ägaren", "vd:n"),
        description="Words that refer back to the supplier last named: a risk word in their sentence counts fully.",
    )


class FrameCues:
    """The frames' phrase lists compiled once per rules file."""

    def __init__(
        self, clearing: ClearingConfig, victim: VictimConfig, sector: SectorConfig, countering: CounteringConfig,
        attribution: AttributionConfig,
    ) -> None:
        self.clearing = phrases_regex(clearing.phrases)
        self.contrast = phrases_regex(clearing.contrast)
        self.victim = phrases_regex(victim.phrases)
        self.victim_before = phrases_regex(victim.before_mention)
        self.sector = phrases_regex(sector.phrases)
        self.countering = phrases_regex(countering.phrases)
        self.other_before = phrases_regex(attribution.other_party_before)
        self.other_after = phrases_regex(attribution.other_party_after)
        self.references = phrases_regex(attribution.references)
