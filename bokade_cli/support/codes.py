"""The stable codes of `bokade explain` findings and of `bokade compare`'s reasons, with meanings.

Codes never change meaning; new ones may be added. The emitting code uses these members, and
the README's tables are this module in prose (a test keeps the two in step).
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """A finding of `bokade explain` (verdict, check or hint)."""

    # verdicts: what happened to the records that match the question
    shown = "shown"
    duplicate = "duplicate"
    filtered = "filtered"
    not_received = "not_received"
    # checks: what each call did for the facility
    call1_answered = "call1_answered"
    call1_source_failed = "call1_source_failed"
    not_in_engagement_index = "not_in_engagement_index"
    call1_failed = "call1_failed"
    in_relation_list = "in_relation_list"
    not_in_relation_list = "not_in_relation_list"
    call2_answered = "call2_answered"
    call2_excluded = "call2_excluded"
    call2_excluded_lost = "call2_excluded_lost"
    call2_failed = "call2_failed"
    call3_answered = "call3_answered"
    call3_failed = "call3_failed"
    call3_source_failed = "call3_source_failed"
    other_times_at_facility = "other_times_at_facility"
    unread_element = "unread_element"
    filtered_in_call1 = "filtered_in_call1"
    not_returned_by_call1 = "not_returned_by_call1"
    # hints: the seed's known causes, where they fit
    hint_engagement_index = "hint_engagement_index"
    hint_phone_or_visit = "hint_phone_or_visit"
    hint_other_services = "hint_other_services"
    hint_not_activated = "hint_not_activated"
    hint_rebook_selection = "hint_rebook_selection"
    hint_retry = "hint_retry"
    hint_ask_facility = "hint_ask_facility"
    hint_give_facility = "hint_give_facility"


FINDING_CODES: dict[str, str] = {
    Code.shown: "received and shown, by the named call",
    Code.duplicate: "received but dropped as a duplicate of another record, which is shown instead",
    Code.filtered: "received but filtered out: the rule and the offending value",
    Code.not_received: "no call returned a matching record",
    Code.call1_answered: "call1 called the facility (it is in the engagement index) and it answered",
    Code.call1_source_failed: "call1 called the facility but it failed there (ProcessingStatus)",
    Code.not_in_engagement_index: "call1 answered but did not call the facility",
    Code.call1_failed: "call1 failed as a whole, so nothing was excluded from call2",
    Code.in_relation_list: "the facility is in the citizen's relation list",
    Code.not_in_relation_list: "the facility is not in the relation list: call2 never calls it",
    Code.call2_answered: "call2 called the facility directly and it answered",
    Code.call2_excluded: "call2 skipped the facility because call1 already called it (and it answered)",
    Code.call2_excluded_lost: "call2 skipped the facility because call1 called it, although it "
    "failed there: its appointments are lost",
    Code.call2_failed: "the direct call to the facility failed",
    Code.call3_answered: "GetCareContacts v3/v2 answered without the appointment",
    Code.call3_failed: "GetCareContacts v3/v2 failed as a whole",
    Code.call3_source_failed: "a source of GetCareContacts v3/v2 failed; it may hold the appointment",
    Code.other_times_at_facility: "other appointments at the facility were received (wrong time?)",
    Code.unread_element: "an answer held an element about the facility or booking that the parser "
    "did not read (unknown, misspelt or in an unexpected namespace)",
    Code.filtered_in_call1: "under the target logic it would not be shown: call1 returned it, but "
    "its copy was filtered out (the rule is named)",
    Code.not_returned_by_call1: "under the target logic it would not be shown: call1 called the "
    "facility and it answered without it",
    Code.hint_engagement_index: "the facility does not update the engagement index; its "
    "appointments vanish under the target logic",
    Code.hint_phone_or_visit: "booked by phone or visit at a facility not on the start page",
    Code.hint_other_services: "booked through a service under 'Övriga tjänster': no relation",
    Code.hint_not_activated: "shown here but not on 1177: facility not activated in the e-services "
    "or has not activated the rebook/cancel service",
    Code.hint_rebook_selection: "shown, but rebooking/cancelling fails: the citizen is outside "
    "that service's selection",
    Code.hint_retry: "a call or source failed: run again later, report the correlation id",
    Code.hint_ask_facility: "the facility answered without it: check the booking with the facility",
    Code.hint_give_facility: "nothing matched the booking id: ask again with --facility",
}


class Missing(StrEnum):
    """Why `bokade compare` finds a booked time missing under a logic."""

    not_in_engagement_index = "not_in_engagement_index"
    call1_source_failed = "call1_source_failed"
    call1_failed = "call1_failed"
    filtered_in_call1 = "filtered_in_call1"
    not_returned_by_call1 = "not_returned_by_call1"
    call2_excluded_lost = "call2_excluded_lost"
    call2_excluded = "call2_excluded"
    not_in_relation_list = "not_in_relation_list"
    call2_failed = "call2_failed"
    filtered_in_call2 = "filtered_in_call2"
    not_returned_by_call2 = "not_returned_by_call2"
    not_in_capture = "not_in_capture"


MISSING_CODES: dict[str, str] = {
    Missing.not_in_engagement_index: "target: call1 did not call the facility",
    Missing.call1_source_failed: "target: call1 called the facility but it failed there",
    Missing.call1_failed: "target: call1 failed as a whole",
    Missing.filtered_in_call1: "target: call1 returned it, but its copy was filtered out",
    Missing.not_returned_by_call1: "target: call1's answer from the facility did not have it",
    Missing.call2_excluded_lost: "current: the facility failed in call1 and was then excluded from call2",
    Missing.call2_excluded: "current: call1 answered for the facility without it; call2 skipped it",
    Missing.not_in_relation_list: "legacy: only call1 had it and the facility has no relation",
    Missing.call2_failed: "legacy: the direct call to the facility failed",
    Missing.filtered_in_call2: "legacy: the direct call returned it, but its copy was filtered out",
    Missing.not_returned_by_call2: "legacy: the direct call answered without it",
    Missing.not_in_capture: "any logic, from a capture: the capture lacks calls this logic makes "
    "(e.g. legacy's direct calls to facilities the captured current run skipped), so it is not "
    "judged",
}
