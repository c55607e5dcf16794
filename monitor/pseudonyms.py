"""Keyed-hash pseudonyms for client identifiers.

A client id (usually a personnummer) is replaced at import by HMAC-SHA256 under the
municipality's secret key. The same key gives the same pseudonym in every file, so visits
and client events from different systems still join, while the database, logs and emails
never hold the id itself. Without the key a pseudonym cannot be reversed or recomputed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from monitor.keycheck import key_check_value

# Not stdnum.se.personnummer, though it knows the format: its compact() mangles ids that are
# not personnummer ('klient-77a' -> 'klient--77a'), so this shape check is needed anyway and
# already yields the parts; its century rule reads the real date and rejects coordination
# numbers (day + 60); validate() wants a valid check digit. The canonical form must never
# change: the pseudonyms already stored were made from it.
_PNR = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")
PSEUDONYM_LENGTH = 32  # hex characters: 128 bits, ample against collisions in one municipality


def normalise_client_id(raw: str, today: date | None = None) -> str:
    """One canonical form per person, so '19301120-8229', '193011208229' and '301120-8229'
    hash alike. Ten-digit numbers get their century the way Skatteverket writes them:
    '+' means the person is 100 or older. Ids that are not personnummer pass through
    trimmed and upper-cased. All whitespace is dropped, not only ASCII spaces: a
    non-breaking space or a tab from a spreadsheet must not make another person. An id
    without such whitespace keeps its canonical form (and its stored pseudonym)."""
    text = "".join(raw.split())
    match = _PNR.match(text)
    if not match:
        return text.upper()
    century, rest, sep, tail = match.groups()
    if century is None:
        today = today or date.today()
        yy = int(rest[:2])
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
        century = str(year // 100)
    return f"{century}{rest}{tail}"


class Pseudonymiser:
    """Maps client ids to pseudonyms; caches because exports repeat each client many times."""

    def __init__(self, key: bytes, cache_size: int = 200_000) -> None:
        if not key:
            raise ValueError("empty pseudonymisation key")
        self._key = key
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    @property
    def key_check(self) -> str:
        """The key's check value, which the database compares with the one it was built with."""
        return key_check_value(self._key)

    def __call__(self, raw: str) -> str:
        try:
            return self._cache[raw]
        except KeyError:
            pass
        canonical = normalise_client_id(raw)
        digest = hmac.new(self._key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
        value = digest[:PSEUDONYM_LENGTH]
        if len(self._cache) >= self._cache_size:
            self._cache.clear()  # keeps memory flat on huge files
        self._cache[raw] = value
        return value
