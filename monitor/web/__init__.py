"""The HTTP side of `monitor run`: health, status and metrics now; the triage UI later."""
