"""Alerts with a lifecycle: one case per supplier, opened when its score passes the threshold
(rules/scoring.yaml `alerts`), followed up by people, and every step recorded.

The service layer the CLI and the web UI share: plain functions taking a database connection
and the name of the person acting. The caller owns the transaction (`with engine.begin()`), so
a change, its event and its audit row are stored together or not at all.

- states.py: the states, the allowed transitions, AlertError
- audit.py: the append-only audit log
- lifecycle.py: review, assign, escalate, confirm, dismiss, snooze, note
- sync.py: what a scoring run does to the alerts (open, update, wake, re-open)
- listing.py: alerts as lists and one by one
- evidence.py: the rows behind a supplier's findings (every look is audit-logged)
"""
