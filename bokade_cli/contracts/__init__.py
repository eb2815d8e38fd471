"""The service contracts the collection uses, by key."""

from bokade_cli.contracts import get_care_contacts, get_subject_of_care_schedule
from bokade_cli.contracts.base import Contract, Parsed, RequestParams

CONTRACTS: dict[str, Contract] = {
    c.key: c
    for c in (
        get_subject_of_care_schedule.CONTRACT,
        get_care_contacts.V3,
        get_care_contacts.V2,
    )
}

__all__ = ["CONTRACTS", "Contract", "Parsed", "RequestParams"]
