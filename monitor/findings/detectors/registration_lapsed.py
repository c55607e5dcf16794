"""registration_lapsed: a supplier's F-tax, VAT or employer registration removed while its contract runs.

Read from the company-facts snapshots (`monitor import registry`). A registration that was in
place in one snapshot and gone in a later one, while the supplier's contract was in force, is
one finding per registration and lapse: from the last snapshot that showed it in place to the
latest snapshot that still shows it missing. The finding names both dates. A snapshot that
does not say (an empty value) is no evidence either way, and a registration back in place ends
the lapse.

A registration no snapshot ever showed is not a lapse: care services are VAT-exempt, so many
honest suppliers were never VAT-registered, and only a removal is the sign.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.findings.detectors import FindingDraft
from monitor.findings.evidence import RuleContext
from monitor.findings.registers import contracts_in_scope, days_span, registry_history

KIND = "registration_lapsed"
PERIOD = None
EVIDENCE_CLASS = "direct"
Registration = Literal["f_tax", "vat", "employer"]
MESSAGES = {
    "sv": {
        f"{KIND}:f_tax": "F-skatten saknas i registret {lapsed_on}{since}, under pågående avtal "
                         "(registrerad {registered_on})",
        f"{KIND}:vat": "Momsregistreringen saknas i registret {lapsed_on}{since}, under pågående avtal "
                       "(registrerad {registered_on})",
        f"{KIND}:employer": "Arbetsgivarregistreringen saknas i registret {lapsed_on}{since}, under pågående "
                            "avtal (registrerad {registered_on})",
        f"{KIND}:f_tax:many": "F-skatt, moms eller arbetsgivarregistrering saknas i "
                              "{findings:registeruppgift|registeruppgifter} under pågående avtal",
    },
    "en": {
        f"{KIND}:f_tax": "F-tax registration missing from the register on {lapsed_on}{since}, while the contract "
                         "runs (registered on {registered_on})",
        f"{KIND}:vat": "VAT registration missing from the register on {lapsed_on}{since}, while the contract runs "
                       "(registered on {registered_on})",
        f"{KIND}:employer": "Employer registration missing from the register on {lapsed_on}{since}, while the "
                            "contract runs (registered on {registered_on})",
        f"{KIND}:f_tax:many": "F-tax, VAT or employer registration missing in {findings:register fact|register "
                              "facts} while the contract runs",
    },
}
for _language in MESSAGES.values():
    for _registration in ("vat", "employer"):
        _language[f"{KIND}:{_registration}:many"] = _language[f"{KIND}:f_tax:many"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    registrations: list[Registration] = Field(
        ["f_tax", "vat", "employer"], min_length=1,
        description="Which registrations to watch: f_tax (F-skatt), vat (moms), employer (arbetsgivare).",
    )


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    history = registry_history(ctx)
    drafts = []
    for contract in contracts_in_scope(ctx):
        snapshots = history.get(contract.org_number, [])
        for registration in params.registrations:
            stated = [s.snapshot_date for s in snapshots if getattr(s, registration) is not None]
            for registered_on, lapsed in _lapses(snapshots, registration):
                if not any(contract.runs_on(s.snapshot_date) for s in lapsed):
                    continue
                first, last = lapsed[0].snapshot_date, lapsed[-1].snapshot_date
                start, end = days_span(registered_on, last)
                drafts.append(FindingDraft(
                    supplier_id=contract.supplier_id, period_start=start, period_end=end, strength=1.0,
                    detail={"key": f"{KIND}:{registration}", "args": _args(registered_on, first, last)},
                    evidence={"snapshots": sorted({d.isoformat() for d in (registered_on, first, last)})},
                    # Still missing in the latest snapshot that says anything about it.
                    ongoing=last == max(stated),
                ))
    return drafts


def _lapses(snapshots: list[Any], registration: str) -> list[tuple[date, list[Any]]]:
    """Runs of snapshots showing the registration missing, each with the date it was last in place.

    Missing snapshots before any that showed it in place are no run: never registered is not lapsed.
    """
    runs: list[tuple[date, list[Any]]] = []
    registered_on: date | None = None
    current: list[Any] = []
    for snapshot in snapshots:
        value = getattr(snapshot, registration)
        if value is None:
            continue
        if value:
            if current and registered_on is not None:
                runs.append((registered_on, current))
            current = []
            registered_on = snapshot.snapshot_date
        elif registered_on is not None:
            current.append(snapshot)
    if current and registered_on is not None:
        runs.append((registered_on, current))
    return runs


def _args(registered_on: date, first: date, last: date) -> dict[str, Any]:
    return {
        "registered_on": registered_on.isoformat(),
        "lapsed_on": first.isoformat(),
        # "sedan/since" is worded by the message; the latest date is in the evidence.
        "since": "" if first == last else f" – {last.isoformat()}",
        "latest": last.isoformat(),
    }
