"""Plain-language hints for the virtualisation platform's VP001–VP015 fault codes."""

from __future__ import annotations

import re

_HINTS = {
    "VP001": "The request used a RIV version the platform does not support for this contract.",
    "VP002": "The platform found no consumer HSA-id in the client certificate; check the certificate's serialNumber.",
    "VP003": "The request had no LogicalAddress header; this is a bug in the caller, report it.",
    "VP004": "No route (vägval) for this contract and logical address: the facility is not connected for it, or the HSA-id is wrong.",
    "VP005": "The route for this logical address has an unknown RIV version in the service catalogue (TAK); contact the platform.",
    "VP006": "More than one route matches this logical address; the service catalogue (TAK) needs fixing, contact the platform.",
    "VP007": "The consumer is not authorised (behörighet saknas) for this contract and logical address; order an authorisation in TAK.",
    "VP008": "The platform has no contact with its service catalogue (TAK); retry later and contact the platform.",
    "VP009": "The platform could not reach the producer behind this logical address; the producer may be down.",
    "VP010": "The route has no physical address in the service catalogue (TAK); contact the platform.",
    "VP011": "The caller's IP address is not on the platform's allow-list for x-vp-sender-id.",
    "VP012": "The platform rejected an internal routing header of the call; contact the platform with the correlation id.",
    "VP013": "The consumer may not set x-rivta-original-serviceconsumer-hsaid (not a trusted platform); remove consumer_hsa_id or get it approved.",
    "VP014": "The platform detected a routing loop (rundgång) for this call; contact the platform.",
    "VP015": "The platform refused the call (VP015, RIV TA Tjänsteplattform 1.8); contact the platform with the correlation id.",
}

# NOTE: the platform builds its faultstring as code, space, text (VpSemanticErrorCodeEnum.VP013
# + " Sender NOT on ConsumerList:..."); a code anywhere else is in a producer's own text.
_CODE = re.compile(r"\s*(VP0(?:0[1-9]|1[0-5]))\b")


def vp_code(faultstring: str) -> str | None:
    """The platform's VP code, only where the platform writes it: first in the faultstring.

    A producer's fault that mentions one ("incident ref VP007-4711") is the producer's fault:
    reading it as the platform's would send the user to order a TAK authorisation.
    """
    match = _CODE.match(faultstring)
    return match.group(1) if match else None


def fault_hint(faultstring: str) -> str:
    code = vp_code(faultstring)
    if code:
        return _HINTS[code]
    return "The producer answered with a SOAP fault; ask its owner, quoting the correlation id."
