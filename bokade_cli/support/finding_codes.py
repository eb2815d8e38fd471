"""The stable codes of `bokade explain` findings and of `bokade compare`'s reasons, with meanings.

Codes never change meaning; new ones may be added. The README's tables are this module in prose.
"""

from __future__ import annotations

FINDING_CODES: dict[str, str] = {
    # verdicts: what happened to the records that match the question
    "shown": "received and shown, by the named call",
    "duplicate": "received but dropped as a duplicate of another record, which is shown instead",
    "filtered": "received but filtered out: the rule and the offending value",
    "not_received": "no call returned a matching record",
    # checks: what each call did for the facility
    "call1_answered": "call1 called the facility (it is in the engagement index) and it answered",
    "call1_source_failed": "call1 called the facility but it failed there (ProcessingStatus)",
    "not_in_engagement_index": "call1 answered but did not call the facility",
    "call1_failed": "call1 failed as a whole, so nothing was excluded from call2",
    "in_relation_list": "the facility is in the citizen's relation list",
    "not_in_relation_list": "the facility is not in the relation list: call2 never calls it",
    "call2_answered": "call2 called the facility directly and it answered",
    "call2_excluded": "call2 skipped the facility because call1 already called it (and it answered)",
    "call2_excluded_lost": "call2 skipped the facility because call1 called it, although it "
    "failed there: its appointments are lost",
    "call2_failed": "the direct call to the facility failed",
    "call3_answered": "GetCareContacts v3/v2 answered without the appointment",
    "call3_failed": "GetCareContacts v3/v2 failed as a whole",
    "call3_source_failed": "a source of GetCareContacts v3/v2 failed; it may hold the appointment",
    "other_times_at_facility": "other appointments at the facility were received (wrong time?)",
    # hints: the seed's known causes, where they fit
    "hint_engagement_index": "the facility does not update the engagement index; its "
    "appointments vanish under the target logic",
    "hint_phone_or_visit": "booked by phone or visit at a facility not on the start page",
    "hint_other_services": "booked through a service under 'Övriga tjänster': no relation",
    "hint_not_activated": "shown here but not on 1177: facility not activated in the e-services "
    "or has not activated the rebook/cancel service",
    "hint_rebook_selection": "shown, but rebooking/cancelling fails: the citizen is outside "
    "that service's selection",
    "hint_retry": "a call or source failed: run again later, report the correlation id",
    "hint_ask_facility": "the facility answered without it: check the booking with the facility",
    "hint_give_facility": "nothing matched the booking id: ask again with --facility",
}

# Why `bokade compare` finds a booked time missing under a logic.
MISSING_CODES: dict[str, str] = {
    "not_in_engagement_index": "target: call1 did not call the facility",
    "call1_source_failed": "target: call1 called the facility but it failed there",
    "call1_failed": "target: call1 failed as a whole",
    "not_returned_by_call1": "target: call1's answer from the facility did not have it",
    "call2_excluded_lost": "current: the facility failed in call1 and was then excluded from call2",
    "call2_excluded": "current: call1 answered for the facility without it; call2 skipped it",
    "not_in_relation_list": "legacy: only call1 had it and the facility has no relation",
    "call2_failed": "legacy: the direct call to the facility failed",
    "not_returned_by_call2": "legacy: the direct call answered without it",
}
