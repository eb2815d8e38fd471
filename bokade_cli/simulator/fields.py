"""Parse the parts of scenario entries: behaviours, times, care-contact statuses, generated bookings."""

from __future__ import annotations

from typing import Any

from .scenario import Behaviour, Booking, CodedValue, Producer, TimeValue, hsa_key
from .tables import BEHAVIOUR_KEYS, BOOKING_EXTRAS, BOOLEAN_EXTRAS, Reader
from .times import RelativeTime, parse_relative

# NOTE: the booked status of GetCareContacts v3 is a SNOMED CT code, "tidbokad vårdkontakt".
SNOMED_BOOKED = CodedValue(
    code="53631000052103",
    code_system="1.2.752.116.2.1.1",
    display_name="tidbokad vårdkontakt",
)


def behaviours(reader: Reader, contracts: tuple[str, ...]) -> dict[str, Behaviour]:
    """The effective behaviour per contract: the table's own keys, overridden per contract."""
    base = behaviour_fields(reader)
    overrides = reader.table("per_contract")
    resolved: dict[str, Behaviour] = {}
    for contract in contracts:
        values = dict(base)
        override = overrides.table(contract) if overrides is not None else None
        if override is not None:
            extra = behaviour_fields(override)
            if set(extra) - {"latency_ms"}:  # an override's failure replaces the base one
                values = {k: v for k, v in values.items() if k == "latency_ms"}
            values.update(extra)
            override.finish()
        resolved[contract] = Behaviour(**values)
    if overrides is not None:
        for key in overrides.keys():
            if key not in contracts:
                raise overrides.error(
                    key, f"not a contract served here (one of {', '.join(contracts)})"
                )
        overrides.finish(allow_all=True)
    return resolved


def behaviour_fields(reader: Reader) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "latency_ms" in reader:
        fields["latency_ms"] = reader.integer("latency_ms", 0, minimum=0)
    if "fault" in reader:
        value = reader.raw("fault")
        if value is True:
            fields["fault"] = "Internal error in the producer's system"
        elif isinstance(value, str) and value:
            fields["fault"] = value
        elif value is not False:
            raise reader.error("fault", "must be a fault text or true")
    if "http_status" in reader:
        fields["http_status"] = reader.integer("http_status", 503, minimum=300, maximum=599)
    for flag in ("hang", "malformed"):
        if reader.boolean(flag, False):
            fields[flag] = True
    failures = [k for k in fields if k in BEHAVIOUR_KEYS and k != "latency_ms"]
    if len(failures) > 1:
        raise reader.error(
            failures[1], f"only one failure mode per table, {failures[0]!r} is set too"
        )
    return fields


def time_value(reader: Reader, key: str) -> TimeValue:
    raw_key = f"{key}_raw"
    if key in reader and raw_key in reader:
        raise reader.error(raw_key, f"give either {key!r} or {raw_key!r}, not both")
    if raw_key in reader:
        return str(reader.text(raw_key))  # sent verbatim, even when empty or not a date at all
    if key not in reader:
        return None
    try:
        return parse_relative(reader.text(key))
    except ValueError as exc:
        raise reader.error(key, str(exc)) from None


def generate(
    g: Reader, producers: list[str], citizen: str, by_id: dict[str, Producer]
) -> list[Booking]:
    """`count` bookings per producer, `step` apart, with ids prefix + a running number."""
    count = g.integer("count", minimum=1, maximum=100_000)
    first = time_value(g, "start")
    if not isinstance(first, RelativeTime):
        raise g.error("start", "a relative start such as '+1d 08:00' is required")
    try:
        step = parse_relative(g.text("step", "+30min"))
    except ValueError as exc:
        raise g.error("step", str(exc)) from None
    prefix = g.text("booking_id_prefix", "GEN-")
    duration = g.integer("duration_min", 30, minimum=0)
    return [
        Booking(
            producer=producer,
            citizen=citizen,
            facility=producer,
            facility_name=by_id[hsa_key(producer)].name,
            start=first.shifted(step, i),
            end=None,
            duration_min=duration,
            booking_id=f"{prefix}{n * count + i + 1:05d}",
            invitation=False,
        )
        for n, producer in enumerate(producers)
        for i in range(count)
    ]


def extras(reader: Reader) -> tuple[tuple[str, str], ...]:
    extras = []
    for key in BOOKING_EXTRAS:
        if key in reader:
            if key in BOOLEAN_EXTRAS:
                extras.append((key, "true" if reader.boolean(key, False) else "false"))
            else:
                extras.append((key, reader.text(key)))
    return tuple(extras)


def status_v2(reader: Reader) -> int | None:
    if reader.raw("status_v2", 1) == "none":
        return None
    return int(reader.integer("status_v2", 1, minimum=1, maximum=5))


def status_v3(reader: Reader) -> CodedValue | None:
    value = reader.raw("status_v3", "booked")
    if value == "none":
        return None
    if value == "booked":
        return SNOMED_BOOKED
    table = reader.table("status_v3")
    if table is None:
        raise reader.error(
            "status_v3", "must be 'booked', 'none' or a table {code, display_name, ...}"
        )
    coded = CodedValue(
        code=table.text("code", None),
        code_system=table.text("code_system", None),
        display_name=table.text("display_name", None),
        original_text=table.text("original_text", None),
    )
    table.finish()
    return coded
