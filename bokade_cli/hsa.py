"""HSA-ids: the one way to compare them (case-insensitively) and the one pattern an input must match."""

from __future__ import annotations

import re

# NOTE: the platform's HSA-ids are "SE" + an organisation number (10 digits, or 12 with the
# "16" prefix) + "-" + the unit's own id; logical addresses of national services are the bare
# organisation number (the aggregator is 5565594230). An organisation number's third digit is 2 or
# more, which is exactly what keeps it from ever looking like a personnummer (month 01-12).
_HSA_ID = re.compile(r"SE(?:16)?[0-9]{10}-[A-Z0-9]{1,40}", re.IGNORECASE)
_ORGANISATION_NUMBER = re.compile(r"(?:16)?[0-9]{2}[2-9][0-9]{7}")

FORMS = "an HSA-id such as SE2321000016-A001, or an organisation number such as 5565594230"


def hsa_key(hsa_id: str | None) -> str:
    """How two HSA-ids compare: case and surrounding whitespace do not matter."""
    return (hsa_id or "").strip().casefold()


def is_hsa_id(value: str) -> bool:
    """Whether `value` (already stripped) is an HSA-id or logical address of a documented form."""
    return bool(_HSA_ID.fullmatch(value) or _ORGANISATION_NUMBER.fullmatch(value))
