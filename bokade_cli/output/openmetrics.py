"""A smoke report in the OpenMetrics text format, for Prometheus (node_exporter's textfile collector).

Gauges only, each family with `# HELP` and `# TYPE` (and `# UNIT` where the unit is a base unit),
ending with `# EOF`. Label values come from untrusted text (a profile name from a config file), so
each is escaped as the format says: backslash, double quote and line feed. The document arrived
masked and neutralised; nothing else of it is written. Timestamps are a gauge of their own
(`..._timestamp_seconds`) rather than a sample timestamp, which the two formats write differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

Document = dict[str, Any]

PREFIX = "bokade_smoke"
VERDICTS = ("pass", "warn", "fail", "skip")


def label_value(value: object) -> str:
    """A label value as OpenMetrics writes it: `\\`, `"` and a line feed escaped."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(**labels: object) -> str:
    return "{" + ",".join(f'{name}="{label_value(value)}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    text = f"{value:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _family(
    name: str, help: str, samples: Iterable[tuple[str, float]], unit: str | None = None
) -> list[str]:
    lines = [f"# TYPE {name} gauge"]
    if unit:
        lines.append(f"# UNIT {name} {unit}")
    lines.append(f"# HELP {name} {_help(help)}")
    # A label set is written once: OpenMetrics requires it unique within a family, and
    # Prometheus drops a file that repeats one. The first sample of a repeated set stands.
    written: set[str] = set()
    for labels, value in samples:
        if labels not in written:
            written.add(labels)
            lines.append(f"{name}{labels} {_number(value)}")
    return lines


def render_smoke(doc: Document, verbose: bool = False) -> str:
    """Verdict and latency per step, certificate days to expiry, the run's time, `# EOF`."""
    profile = doc["profile"]
    steps = doc["steps"]
    lines = _family(
        f"{PREFIX}_passed",
        "1 if the smoke test passed (with --strict, warnings fail it), else 0.",
        [(_labels(profile=profile), 1 if doc["passed"] else 0)],
    )
    lines += _family(
        f"{PREFIX}_step_verdict",
        "1 for the verdict each step got (pass, warn, fail, skip), 0 for the others.",
        [
            (_labels(profile=profile, step=s["step"], verdict=v), 1 if s["verdict"] == v else 0)
            for s in steps
            for v in VERDICTS
        ],
    )
    lines += _family(
        f"{PREFIX}_step_latency_seconds",
        "How long each step took (skipped steps have none).",
        [
            (_labels(profile=profile, step=s["step"]), s["elapsed_ms"] / 1000)
            for s in steps
            if s["verdict"] != "skip"
        ],
        unit="seconds",
    )
    expiry = [
        (_labels(profile=profile, certificate=which), days)
        for which, days in _days_left(steps)
        if isinstance(days, int) and not isinstance(days, bool)
    ]
    if expiry:
        lines += _family(
            f"{PREFIX}_certificate_expiry_days",
            "Whole days until the certificate expires, negative once expired (client: the "
            "profile's tls.cert_file; server: the platform's, seen in the TLS handshake).",
            expiry,
        )
    finished = doc.get("finished_at")
    if finished:
        lines += _family(
            f"{PREFIX}_timestamp_seconds",
            "When the smoke test finished (Unix time).",
            [(_labels(profile=profile), datetime.fromisoformat(finished).timestamp())],
            unit="seconds",
        )
    return "\n".join([*lines, "# EOF"]) + "\n"


def _days_left(steps: list[Document]) -> list[tuple[str, object]]:
    found = []
    for step in steps:
        if step["step"] == "certificate" and "days_left" in step["data"]:
            found.append(("client", step["data"]["days_left"]))
        if step["step"] == "endpoint" and "server_days_left" in step["data"]:
            found.append(("server", step["data"]["server_days_left"]))
    return found
