"""Sentences with numbers in them, right in Swedish and English: "1 förflyttning", "3 förflyttningar",
and no "0 tillfällen med ..." parts.

Templates are `str.format` strings with two additions, so that a translator (or the analyst
writing a message) keeps the grammar in the text, not in code:

- `{moves:förflyttning|förflyttningar}`: the number, a space, and the singular or the plural
  word (`{staff:|}` would print the number alone; English and Swedish both take the singular
  for exactly one).
- `[och: part ;; part ;; part]`: a list whose parts that count nothing are left out. A part
  counts nothing when the first number it shows is 0. The rest are joined "a, b och c". If every
  part is empty, the first is kept, so a sentence never loses its subject.
- `[if: ; text]`: the text as written (its leading punctuation too), or nothing when it counts
  nothing.

Numbers are written as the reader writes them (15 167 and 41,7 in Swedish; 15,167 and 41.7 in
English), see `format_number`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

Language = str
_LIST = re.compile(r"\[(\w+): (.*?)\]", re.DOTALL)
_FORMATTER = string.Formatter()
_LAST_JOIN = {"and": "and", "or": "or", "och": "och", "eller": "eller"}


def format_number(value: Any, language: Language = "sv") -> Any:
    """Numbers as the reader writes them, without float noise: Swedish 15 167 and 41,7;
    English 15,167 and 41.7. Anything else is left as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    text = f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,d}"
    if language == "sv":
        # A no-break space between thousands, so 15 167 never breaks over two lines.
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def fixed(value: float, digits: int, language: Language = "sv") -> str:
    """A number with a fixed count of decimals (strengths, risks, the terms of a formula that
    must line up): 0,75 in Swedish, 0.75 in English."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "sv" else text


def is_one(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == 1


class _Phrases(string.Formatter):
    def __init__(self, language: Language) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            singular, plural = format_spec.split("|", 1)
            word = singular if is_one(value) else plural
            number = str(format_number(value, self.language))
            return f"{number} {word}" if word else number
        return format(format_number(value, self.language), format_spec)


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name]


def _counts_nothing(part: str, args: Mapping[str, Any]) -> bool:
    """A part counts nothing when the first number it shows (what it counts; later ones are
    thresholds and the like) is 0."""
    for name in _fields(part):
        value = args.get(name.split(".")[0])
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value == 0
    return False


def join_words(items: list[str], last: str) -> str:
    """'a', 'a och b', 'a, b och c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def fill(template: str, args: Mapping[str, Any], language: Language = "sv") -> str:
    """The template with its numbers, plurals and lists filled in (see the module's docstring)."""
    phrases = _Phrases(language)

    def one_list(match: re.Match[str]) -> str:
        joiner, body = match.group(1), match.group(2)
        if joiner == "if":
            return "" if _counts_nothing(body, args) else phrases.vformat(body, (), dict(args))
        parts = [p.strip() for p in body.split(";;")]
        kept = [p for p in parts if not _counts_nothing(p, args)] or parts[:1]
        return join_words([phrases.vformat(p, (), dict(args)) for p in kept], _LAST_JOIN.get(joiner, joiner))

    expanded = _LIST.sub(lambda m: one_list(m).replace("{", "{{").replace("}", "}}"), template)
    return phrases.vformat(expanded, (), dict(args))
