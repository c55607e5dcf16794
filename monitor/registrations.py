"""How a visit was registered: the values the importer accepts and the ones that count as manual.

Shared by the importer, the metrics and the detectors, so none of them imports another for it."""

from __future__ import annotations

REGISTRATION_METHODS = ("nfc", "digital_lock", "app", "manual", "phone")
# Typed in by hand or phoned in, rather than proven at the door by a tag, a lock or the app.
MANUAL_METHODS = ("manual", "phone")
