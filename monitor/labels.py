"""Comparing the labels people type (contract areas, service types) with the stored ones.

Case-insensitive the same way on every database: SQL lower() folds only ASCII on SQLite, so
"ÄLDREOMSORG" would find "Äldreomsorg" on PostgreSQL and nothing on SQLite. Labels are few,
so they are compared in Python, with Unicode normalisation and case folding."""

from __future__ import annotations

import unicodedata


def fold_label(text: str) -> str:
    """The form labels are compared in: NFC (a decomposed "Ä" is the same letter), case-folded,
    inner white space single, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def same_label(a: str, b: str) -> bool:
    return fold_label(a) == fold_label(b)
