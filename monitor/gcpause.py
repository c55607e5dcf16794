"""The cyclic garbage collector paused while millions of short-lived row tuples come and go."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Without the cyclic GC for a bulk load: rows hold no cycles, and its collections, which
    walk every live container, would cost a sixth to a fifth of the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
