"""The supplier register: who holds a contract, for what and where, and which scheme or look-alike it carries."""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from stdnum import luhn

from monitor.demo.noise import Noise, draw_noise
from monitor.demo.places import URBAN

if TYPE_CHECKING:
    from monitor.demo.clients import Client
    from monitor.demo.municipality import Municipality
    from monitor.demo.routes import Route

SCHEMES = (
    "door_observation",
    "staff_overlap",
    "visit_during_absence",
    "relative_caregiver",
    "exact_planned_times",
    "manual_registration",
    "phantom_night",
    "duration_inflation",
    "short_visits",
    "late_registration",
    "shared_device",
    "round_the_clock",
    "single_client_staff",
    "identity_churn",
)
# Planted schemes that no rule in rules/ is written for: only the outlier scoring can find them.
UNCOVERED_SCHEMES = ("identity_churn",)
# Honest suppliers that look like a scheme to a careless rule or an outlier score.
LOOK_ALIKES = ("large", "night_patrol", "rural", "outage", "double", "honest_relative")


@dataclass(frozen=True)
class Spec:
    name: str
    role: str  # large | honest | night_patrol | rural | outage | double | honest_relative | boendestod | lss | <scheme>
    clients: int  # at scale 1 (the large supplier is sized from the others)
    min_clients: int
    areas: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    contract_area: str = "Hemtjänst"
    subcategory: str = "Äldreomsorg"
    form: str = "LOV"
    methods: tuple[float, float, float] = (0.5, 0.35, 0.15)  # nfc, digital_lock, app
    ends: bool = False
    noise: tuple[str, ...] = ()  # honest untidiness (monitor.demo.noise.NOISE_KINDS)


# The first MIN_SUPPLIERS carry the planted schemes and the look-alikes, so a scaled-down demo keeps them.
_CATALOG: tuple[Spec, ...] = (
    Spec("Omsorgshuset i Huddinge AB", "large", 0, 0, URBAN, ("Omsorgshuset", "Omsorgshuset Huddinge"),
         methods=(0.5, 0.4, 0.1)),
    Spec("Flemingsbergs Hemtjänst AB", "door_observation", 16, 8, ("Flemingsberg", "Visättra"),
         ("Flemingsbergs Hemtjänst & Service",)),
    Spec("Omtanke Hemtjänst HB", "staff_overlap", 10, 9, ("Huddinge centrum", "Stuvsta")),
    Spec("Solrosens Omsorg AB", "visit_during_absence", 11, 6, ("Snättringe", "Stuvsta")),
    Spec("Familjeomsorg Södertörn AB", "relative_caregiver", 8, 6, ("Glömsta", "Flemingsberg")),
    Spec("Kärnans Hemtjänstgrupp AB", "exact_planned_times", 14, 6, ("Segeltorp", "Vårby"),
         methods=(0.1, 0.05, 0.85)),
    Spec("Stjärnans Hemtjänst AB", "manual_registration", 70, 10,
         ("Huddinge centrum", "Sjödalen", "Stuvsta", "Balingsnäs"), ("Stjärnans Omsorg",)),
    Spec("Nattro Omsorg HB", "phantom_night", 8, 8, ("Vårby", "Lissma")),
    Spec("Nattpatrullen Södertörn AB", "night_patrol", 45, 10, URBAN, ("Nattpatrullen",),
         methods=(0.2, 0.75, 0.05)),
    Spec("Södra Huddinge Landsbygdsomsorg AB", "rural", 18, 5, ("Södra landsbygden",)),
    Spec("Trygg Hemtjänst AB", "outage", 85, 10, ("Flemingsberg", "Huddinge centrum", "Snättringe"),
         ("Trygg Hemtjänst i Huddinge",), methods=(0.15, 0.8, 0.05)),
    Spec("Vårdkraft Aktiebolag", "double", 75, 10, ("Segeltorp", "Vårby", "Glömsta"), ("Vårdkraft",)),
    Spec("Balingsnäs Omsorg & Trygghet AB", "duration_inflation", 16, 8, ("Balingsnäs", "Stuvsta")),
    Spec("Visättra Hemtjänst HB", "short_visits", 16, 8, ("Visättra", "Flemingsberg")),
    Spec("Ekdungens Hemtjänst AB", "late_registration", 16, 8, ("Sjödalen", "Huddinge centrum"),
         ("Ekdungen Omsorg",)),
    Spec("Hemtjänstpartner Syd AB", "shared_device", 14, 8, ("Snättringe", "Stuvsta")),
    Spec("Nordic Care Huddinge AB", "round_the_clock", 14, 8, ("Glömsta", "Segeltorp")),
    Spec("Personlig Omsorg i Huddinge AB", "single_client_staff", 12, 8, ("Huddinge centrum", "Sjödalen")),
    # Employs one relative, openly, among enough ordinary staff: the honest twin of relative_caregiver.
    Spec("Medmänniskan Omsorg AB", "honest_relative", 12, 9, ("Sjödalen", "Glömsta")),
    # Registers its visits under staff ids that change every day or two: no rule is written for it.
    Spec("Aurora Hemtjänst Södertörn AB", "identity_churn", 20, 8, ("Vårby", "Segeltorp"), ("Aurora Omsorg",)),
    # Ordinary honest suppliers, some of them untidy the way real ones are (monitor.demo.noise).
    Spec("Södertörns Omsorgspartner AB", "honest", 65, 8, ("Visättra", "Flemingsberg", "Balingsnäs"),
         noise=("long_days", "corrections", "shared_staff")),
    Spec("Livskraft Hemtjänst AB", "honest", 55, 8, ("Stuvsta", "Snättringe", "Sjödalen"),
         noise=("split_shifts", "shared_staff")),
    Spec("Hemtrevnad Omsorg Aktiebolag", "honest", 50, 8, ("Huddinge centrum", "Glömsta"),
         ("Hemtrevnad",), noise=("lock_change", "corrections")),
    Spec("Stuvsta Omsorg AB", "honest", 5, 3, ("Stuvsta",), noise=("split_shifts",)),
    Spec("Segeltorps Hemtjänst HB", "honest", 6, 3, ("Segeltorp",), noise=("corrections",)),
    Spec("Vårby Vård & Omsorg AB", "honest", 7, 3, ("Vårby",), noise=("long_days",)),
    Spec("Trivsam Vardag i Huddinge AB", "honest", 5, 3, ("Huddinge centrum", "Sjödalen")),
    Spec("Glädjeomsorg HB", "honest", 4, 3, ("Snättringe",)),
    Spec("Ljuspunkten Hemtjänst AB", "honest", 6, 3, ("Flemingsberg",)),
    Spec("Guldkanten Hemtjänst AB", "honest", 6, 3, ("Glömsta", "Segeltorp")),
    Spec("Snättringe Hemservice HB", "honest", 5, 3, ("Snättringe", "Stuvsta")),
    Spec("Ekbackens Omsorg AB", "honest", 6, 3, ("Balingsnäs",)),
    Spec("Sjödalens Hemtjänst AB", "honest", 5, 3, ("Sjödalen",)),
    Spec("Vardagshjälpen Huddinge AB", "honest", 7, 3, ("Huddinge centrum",), ("Vardagshjälpen",),
         noise=("corrections", "long_days")),
    Spec("Hjärtats Hemtjänst AB", "honest", 6, 3, ("Visättra", "Flemingsberg")),
    Spec("Bikupans Omsorg HB", "honest", 4, 3, ("Vårby",)),
    Spec("Ängsbackens Vård Aktiebolag", "honest", 6, 3, ("Stuvsta", "Balingsnäs"), noise=("split_shifts",)),
    Spec("Seniorstöd Södertörn AB", "honest", 5, 3, ("Segeltorp", "Glömsta")),
    Spec("Mångfaldens Hemtjänst AB", "honest", 6, 3, ("Flemingsberg", "Visättra")),
    Spec("Kastanjens Omsorg HB", "honest", 4, 3, ("Sjödalen",), ends=True),
    Spec("Boendestöd Södertörn AB", "boendestod", 12, 4, ("Flemingsberg", "Huddinge centrum"),
         contract_area="Boendestöd", subcategory="Funktionshinderomsorg", form="LOU", ends=True),
    Spec("Stödpunkten Boendestöd AB", "boendestod", 9, 4, ("Stuvsta", "Vårby"),
         ("Stödpunkten",), contract_area="Boendestöd", subcategory="Funktionshinderomsorg", form="LOU",
         ends=True),
    Spec("Lilla Hjälpen Ledsagning AB", "lss", 10, 4, URBAN, contract_area="LSS",
         subcategory="Funktionshinderomsorg", form="direkt", ends=True),
)
# Every special entry comes before the ordinary ones, so this many keeps them all (20).
MIN_SUPPLIERS = 1 + max(i for i, spec in enumerate(_CATALOG) if spec.role not in ("honest", "boendestod", "lss"))
BASE_SUPPLIERS = len(_CATALOG)


@dataclass
class Supplier:
    no: int  # 1-based catalog position; staff ids are S<no><nnn>
    spec: Spec
    org: str
    contract_start: date
    contract_end: date | None
    clients: list[Client] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    relative_of: dict[str, list[str]] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    relative_groups: list[tuple[list[Client], tuple[float, float] | None]] = field(default_factory=list)
    shared_entrance: str = ""  # door_observation: the entrance several clients share
    # Routes of their own kind, outside the packing: (kind, clients) for dedicated | round_the_clock.
    own_routes: list[tuple[str, list[Client]]] = field(default_factory=list)
    noise: Noise = field(default_factory=Noise)  # drawn when registered (monitor.demo.noise)

    @property
    def role(self) -> str:
        return self.spec.role


def register_suppliers(town: Municipality, schemes: Collection[str] | None = None) -> None:
    """Contract the first catalog entries, as many as `scale` asks for, never fewer than MIN_SUPPLIERS.

    With `schemes`, only those schemes are planted: the other scheme suppliers run honestly, so
    one scheme can be judged in a municipality where it is the only one."""
    rng = town.rng("suppliers")
    orgs: set[str] = set()
    count = min(len(_CATALOG), max(MIN_SUPPLIERS, round(BASE_SUPPLIERS * town.scale)))
    for no, spec in enumerate(_CATALOG[:count], start=1):
        if schemes is not None and spec.role in SCHEMES and spec.role not in schemes:
            spec = replace(spec, role="honest")
        start = town.clock.start - timedelta(days=rng.randint(150, 2600))
        end = None
        if spec.ends:
            end_month = town.clock.start + timedelta(days=rng.randint(120, 800))
            end = (end_month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        supplier = Supplier(no, spec, _org_number(rng, orgs), start.replace(day=1), end)
        supplier.noise = draw_noise(town, supplier)
        town.suppliers.append(supplier)


def _org_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        digits = rng.choice(("556", "559")) + f"{rng.randrange(10**6):06d}"
        number = digits + luhn.calc_check_digit(digits)
        if number not in taken:
            taken.add(number)
            return f"{number[:6]}-{number[6:]}"
