"""Address keys and distances, so a door observation finds the visits at its entrance."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import numpy as np

_APARTMENT = re.compile(r"\b(lgh|lägenhet|lägh)\.?\s*(nr\.?\s*)?\d+\b")
_HOUSE_LETTER = re.compile(r"(\d+)\s+([a-zåäö])\b")
_NON_WORD = re.compile(r"[^\w]+")
EARTH_RADIUS_M = 6_371_000.0


@lru_cache(maxsize=65_536)
def address_key(address: str) -> str:
    """A comparison key for the street entrance of an address.

    Exports write the same door in several ways ("Storgatan 4 A, lgh 1102, Huddinge",
    "storgatan 4a"). The entrance is what an observer watches, so apartment numbers,
    postcode and town (everything after the first comma) are dropped.
    """
    text = unicodedata.normalize("NFC", address).casefold().split(",")[0]
    text = _APARTMENT.sub(" ", text)
    text = _HOUSE_LETTER.sub(r"\1\2", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def haversine_m_array(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres, element-wise over arrays (NaN where a coordinate is missing)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
