"""Read scenario TOML files (bundled or local) into validated Scenario objects."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..config_values import address_problem
from ..errors import InputError
from ..inputs import parse_toml, read_input
from ..quoting import quote
from . import fields
from .scenario import (
    CONTRACTS,
    DEFAULT_AGGREGATOR,
    Booking,
    CareContact,
    Citizen,
    Engagement,
    Producer,
    Route,
    Scenario,
    hsa_key,
)
from .tables import Reader

_HINT = "Fix the scenario file; its format is described in bokade_cli/scenarios/demo.toml."


def list_scenarios() -> list[str]:
    """The names of the bundled scenarios, "demo" first."""
    folder = resources.files("bokade_cli") / "scenarios"
    names = sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))
    return sorted(names, key=lambda n: n != "demo")


def load_scenario(name_or_path: str) -> Scenario:
    """Load a bundled scenario by name ("demo") or a scenario file by path."""
    bundled = resources.files("bokade_cli") / "scenarios" / f"{name_or_path}.toml"
    looks_like_name = "/" not in name_or_path and "\\" not in name_or_path
    if looks_like_name and not name_or_path.endswith(".toml") and bundled.is_file():
        return _parse(bundled.read_text(encoding="utf-8"), f"{name_or_path}.toml", name_or_path)
    path = Path(name_or_path)
    if not path.exists():
        raise InputError(
            f"No scenario named {quote(name_or_path, 1000)} and no such file.",
            "Bundled scenarios: "
            + ", ".join(list_scenarios())
            + "; or give a path to a .toml file.",
        )
    # Whatever is there is read, so the error says what is wrong with it: a folder, a file that
    # is empty (or /dev/null), one too large (/dev/zero). A pipe (`-s <(...)`) is a scenario too.
    text = read_input(path, "scenario file", _HINT)
    if not text.strip():
        raise InputError(f"{path}: the scenario file is empty", _HINT)
    return _parse(text, str(path), path.stem)


def _parse(text: str, file: str, default_name: str) -> Scenario:
    data = parse_toml(text, file, "scenario file")
    top = Reader(data, file, "")
    name = top.text("name", default_name)
    description = top.text("description", "")
    platform = top.table("platform") or Reader({}, file, "[platform]")
    aggregator = platform.text("aggregator", DEFAULT_AGGREGATOR).strip()
    wrong = address_problem(aggregator)
    if wrong is not None:  # bokade collects with it: it goes into every aggregated request
        raise platform.error("aggregator", wrong)
    timeout_ms = platform.integer("aggregation_timeout_ms", 5000, minimum=1)
    agg_behaviours = fields.behaviours(platform, CONTRACTS)
    unauthorized: list[Route] = []
    for route in platform.tables("unauthorized"):
        unauthorized.append(
            Route(route.text("logical_address"), frozenset(route.contracts("contracts", CONTRACTS)))
        )
        route.finish()
    platform.finish()

    citizens: list[Citizen] = []
    for c in top.tables("citizens"):
        citizens.append(Citizen(c.personnummer("personnummer"), tuple(c.texts("relations", []))))
        c.finish()
    if not citizens:
        raise top.error("citizens", "at least one [[citizens]] entry is required")
    known = {c.personnummer for c in citizens}
    main = citizens[0].personnummer

    producers: list[Producer] = []
    for p in top.tables("producers"):
        served = p.contracts("contracts", ("GetSubjectOfCareSchedule",))
        producers.append(
            Producer(
                p.text("hsa_id"),
                p.text("name", ""),
                frozenset(served),
                fields.behaviours(p, served),
            )
        )
        p.finish()
    by_id = {hsa_key(p.hsa_id): p for p in producers}
    if len(by_id) != len(producers):
        raise top.error("producers", "two producers have the same hsa_id")

    def serving(
        reader: Reader, key: str, contracts: tuple[str, ...], hsa_id: str | None = None
    ) -> str:
        hsa_id = reader.text(key) if hsa_id is None else hsa_id
        producer = by_id.get(hsa_key(hsa_id))
        missing = [c for c in contracts if producer is None or c not in producer.contracts]
        if missing:
            raise reader.error(
                key, f"no [[producers]] entry {quote(hsa_id)} serving {', '.join(missing)}"
            )
        return hsa_id

    def citizen_of(reader: Reader) -> str:
        value = reader.personnummer("citizen", main)
        if value not in known:
            raise reader.error("citizen", f"{value} is not one of the [[citizens]]")
        return value

    engagements: list[Engagement] = []
    for e in top.tables("engagements"):
        addresses = (
            e.texts("logical_addresses", [])
            if "logical_addresses" in e
            else [e.text("logical_address")]
        )
        contracts = frozenset(e.contracts("contracts"))
        citizen = citizen_of(e)
        engagements.extend(Engagement(citizen, address, contracts) for address in addresses)
        e.finish()

    bookings: list[Booking] = []
    for b in top.tables("bookings"):
        producer = serving(b, "producer", ("GetSubjectOfCareSchedule",))
        facility = b.text("facility", producer)
        name_default = by_id[hsa_key(facility)].name if hsa_key(facility) in by_id else None
        bookings.append(
            Booking(
                producer=producer,
                citizen=citizen_of(b),
                facility=facility,
                facility_name=b.text("facility_name", name_default),
                start=fields.time_value(b, "start"),
                end=fields.time_value(b, "end"),
                duration_min=b.integer("duration_min", 30, minimum=0),
                booking_id=b.text("booking_id", None),
                invitation=b.boolean("invitation", False),
                extras=fields.extras(b),
            )
        )
        b.finish()
    for g in top.tables("generate"):
        sched = ("GetSubjectOfCareSchedule",)
        names = g.texts("producers") if "producers" in g else [g.text("producer")]
        key = "producers" if "producers" in g else "producer"
        bookings.extend(
            fields.generate(g, [serving(g, key, sched, n) for n in names], citizen_of(g), by_id)
        )
        g.finish()

    contacts: list[CareContact] = []
    for c in top.tables("care_contacts"):
        versions = frozenset(c.integers("versions", allowed=(2, 3)))
        source = serving(c, "source", tuple(f"GetCareContacts/{v}" for v in sorted(versions)))
        org_unit = c.text("org_unit")
        contacts.append(
            CareContact(
                source=source,
                versions=versions,
                citizen=citizen_of(c),
                document_id=c.text("document_id"),
                org_unit=org_unit,
                org_unit_name=c.text(
                    "org_unit_name",
                    by_id[hsa_key(org_unit)].name if hsa_key(org_unit) in by_id else None,
                ),
                start=fields.time_value(c, "start"),
                end=fields.time_value(c, "end"),
                approved_for_patient=c.boolean("approved_for_patient", True),
                nullified=c.boolean("nullified", None),
                status_v2=fields.status_v2(c),
                status_v3=fields.status_v3(c),
            )
        )
        c.finish()
    top.finish()
    return Scenario(
        name=name,
        description=description,
        citizens=tuple(citizens),
        aggregator=aggregator,
        aggregation_timeout_ms=timeout_ms,
        aggregator_behaviours=agg_behaviours,
        producers=tuple(producers),
        engagements=tuple(engagements),
        bookings=tuple(bookings),
        care_contacts=tuple(contacts),
        unauthorized=tuple(unauthorized),
        source=file,
    )
