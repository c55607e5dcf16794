"""The pages of the triage UI, one module each: login, alerts (Larm), supplier (Leverantör),
rules (Regler), feeds (Flöden), audit (Logg), users (Användare)."""
