"""Results as JSON-ready documents: the SPEC §4 contract, and what every other format renders.

A command computes a result; the output boundary turns it into one of these documents, masks and
neutralises it, and hands it to the format the user chose. So the table, Markdown, HTML and JSON
of one run can never disagree, and JSON never has less than the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bokade_cli.models import CALL_PRIORITY, Appointment, CallResult, CollectionResult, SourceStatus
from bokade_cli.rules import Stats, compute_stats

if TYPE_CHECKING:
    from bokade_cli.relation_events import Relation
    from bokade_cli.support.compare import Comparison
    from bokade_cli.support.explain import Explanation

SCHEMA_VERSION = 1  # the one version of every document bokade writes; additive keys keep it

Document = dict[str, Any]


def summary_counts(appointments: Sequence[Appointment]) -> dict[str, int]:
    counts = Counter(a.verdict for a in appointments)
    return {
        "received": len(appointments),
        "shown": counts["shown"],
        "duplicate": counts["duplicate"],
        "filtered": counts["filtered"],
    }


def stats_fields(stats: Stats) -> Document:
    """`stats` (per call) and `target_readiness`, as collect, compare and batch write them."""
    return {
        "stats": {
            c.call: {
                "received": c.received,
                "shown": c.shown,
                "unique": c.unique,
                "duplicate": c.duplicate,
                "filtered": c.filtered,
            }
            for c in stats.per_call
        },
        "target_readiness": stats.target_readiness,
    }


def collect_document(result: CollectionResult, stats: Stats | None = None) -> Document:
    """The stable JSON document of SPEC §4 (schema_version 1) with its additive keys."""
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": result.subject_of_care,
        "now": result.now,
        "logic": result.logic,
        "complete": result.complete,
        "calls": [call_document(c) for c in result.calls],
        "appointments": [appointment_document(a) for a in result.appointments],
        "summary": summary_counts(result.appointments),
        "relations": list(result.relations),
        "not_called": not_called(result),
        **stats_fields(stats or compute_stats(result)),
    }


NO_RELATIONS = (
    "no relation list (mottagningsrelation) was given, so no facility was called directly; "
    "appointments at facilities outside call1's engagement index are not collected"
)
NO_RELATIONS_HINT = (
    "Give the citizen's relations with --relation HSAID or --relations FILE (or relations_file "
    "in the profile)."
)


def not_called(result: CollectionResult) -> list[Document]:
    """Calls the logic has but that were not made at all, each with a code and a reason.

    call2 goes to the relation facilities, so without a relation list there is no call2 line
    in `calls`; this says so (explain's `not_in_relation_list` says the same per facility).
    """
    if not result.call2_without_relations:
        return []
    return [
        {
            "call": "call2",
            "code": "no_relation_list",
            "message": NO_RELATIONS,
            "hint": NO_RELATIONS_HINT,
        }
    ]


def source_document(s: SourceStatus) -> Document:
    return {"logical_address": s.logical_address, "status": s.status, "error": s.error}


def call_document(call: CallResult) -> Document:
    return {
        "call": call.call,
        "contract": call.contract,
        "logical_address": call.logical_address,
        "outcome": call.outcome,
        "elapsed_ms": call.elapsed_ms,
        "queued_ms": call.queued_ms,
        "records": len(call.records),
        "message": call.message,
        "hint": call.hint,
        "correlation_id": call.correlation_id,
        "notes": list(call.notes),
        "sources": [source_document(s) for s in call.sources],
    }


def appointment_document(a: Appointment) -> Document:
    r = a.record
    return {
        "id": a.id,
        "call": r.call,
        "facility_hsa_id": r.facility_hsa_id,
        "facility_name": r.facility_name,
        "start": a.start,
        "end": a.end,
        "raw_start": r.raw_start,
        "booking_id": r.booking_id,
        "invitation": r.invitation,
        "verdict": a.verdict,
        "reason": a.reason,
        "duplicate_of": a.duplicate_of,
        "match": a.match,
    }


def explanation_document(e: Explanation) -> Document:
    doc = collect_document(e.result)
    ids = {a.id for a in e.matches}
    q = e.query
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": doc["subject_of_care"],
        "now": doc["now"],
        "question": q.describe(),
        "query": {
            "booking_id": q.booking_id,
            "facility": q.facility,
            "start": (q.start.date().isoformat() if q.whole_day else q.start.isoformat())
            if q.start
            else None,
        },
        "relations": list(e.relations),
        "answer": e.answer,
        "complete": doc["complete"],
        "findings": [
            {
                "code": str(f.code),
                "kind": f.kind,
                "message": f.message,
                "appointment": f.appointment,
                "facility": f.facility,
                "call": f.call,
            }
            for f in e.findings
        ],
        "appointments": [a for a in doc["appointments"] if a["id"] in ids],
        "summary": doc["summary"],
        "calls": doc["calls"],
    }


def comparison_document(c: Comparison) -> Document:
    from bokade_cli.support.codes import Missing
    from bokade_cli.support.compare import LOGICS

    doc = collect_document(c.union)
    shown = {logic: sum(1 for row in c.rows if row.shown_by[logic]) for logic in LOGICS}
    judged = {logic: logic in c.results for logic in LOGICS}
    return {
        "schema_version": SCHEMA_VERSION,
        "subject_of_care": doc["subject_of_care"],
        "now": doc["now"],
        "complete": doc["complete"],
        "relations": list(c.relations),
        "not_called": not_called(c.union),
        "logics": {
            logic: {
                "shown": shown[logic] if judged[logic] else None,
                "complete": c.results[logic].complete if judged[logic] else None,
            }
            for logic in LOGICS
        },
        # From a capture lacking a logic's calls: that logic is not judged (its `shown` and
        # `complete` are null, its cells `missing` with code not_in_capture), and this says why.
        "not_judged": [
            {"logic": logic, "code": str(Missing.not_in_capture), "message": why}
            for logic, why in c.unjudged.items()
        ],
        "appointments": [
            {
                "id": row.id,
                "facility_hsa_id": row.appointment.record.facility_hsa_id,
                "facility_name": row.appointment.record.facility_name,
                "start": row.appointment.start,
                "booking_id": row.appointment.record.booking_id,
                "document_id": row.appointment.record.document_id,
                **{logic: row.shown_by[logic] for logic in LOGICS},
                "missing": {
                    logic: {"code": str(code), "message": message}
                    for logic, (code, message) in row.missing.items()
                },
            }
            for row in c.rows
        ],
        "lost_under_target": _lost(c, "target"),
        "lost_under_current": _lost(c, "current", "legacy"),
        **stats_fields(compute_stats(c.results.get("current", c.union))),
        "calls": doc["calls"],
    }


def _lost(c: Comparison, logic: str, compared_to: str = "current") -> list[Document]:
    return [
        {"id": row.id, "code": str(row.missing[logic][0]), "message": row.missing[logic][1]}
        for row in c.lost(logic, compared_to)
    ]


def relations_document(relations: list[Relation], file: str, as_of: date | None) -> Document:
    return {
        "schema_version": SCHEMA_VERSION,
        "file": file,
        "as_of": as_of.isoformat() if as_of else None,
        "relations": [r.facility for r in relations if r.exists],
        "facilities": [
            {
                "facility_hsa_id": r.facility,
                "facility_name": r.facility_name,
                "relation": r.exists,
                "rule": r.rule,
                "since": r.since.isoformat() if r.since else None,
                "explanation": r.explanation,
                "history": [
                    {
                        "date": s.event.day.isoformat(),
                        "event": s.event.event,
                        "effect": s.effect,
                        "explanation": s.explanation,
                        "note": s.event.note,
                    }
                    for s in r.history
                ],
            }
            for r in relations
        ],
    }


CALLS_IN_ORDER = CALL_PRIORITY
