"""PingForConfiguration 1 (itintegration:monitoring): ask a producer, via the platform, if it is up.

NOTE: producers no longer have to implement this contract, so a fault (VP004: no route) or no
answer says little about the producer; smoke reports it as a warning, never as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from bokade_cli.engine.soap import SoapClient, build_envelope
from bokade_cli.errors import InvalidResponse
from bokade_cli.xmlparse import child, path_text

NAMESPACE = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
SOAP_ACTION = f"{NAMESPACE}:PingForConfiguration"
# The platform's conventional path; profiles have no key for it yet.
PATH = "/itintegration/monitoring/PingForConfiguration/1/rivtabp21"


@dataclass(frozen=True)
class PingAnswer:
    version: str | None
    ping_time: str | None
    elapsed_ms: int
    correlation_id: str


def ping_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}"


def _body(logical_address: str, contract_namespace: str) -> str:
    return (
        f'<ping:PingForConfiguration xmlns:ping="{NAMESPACE}">'
        f"<ping:serviceContractNamespace>{escape(contract_namespace)}"
        "</ping:serviceContractNamespace>"
        f"<ping:logicalAddress>{escape(logical_address)}</ping:logicalAddress>"
        "</ping:PingForConfiguration>"
    )


async def ping(
    client: SoapClient, base_url: str, logical_address: str, contract_namespace: str
) -> PingAnswer:
    """One ping; raises the CallError the transport raised, or InvalidResponse for a wrong body."""
    envelope = build_envelope(logical_address, _body(logical_address, contract_namespace))
    tag = ("ping", "PingForConfiguration", logical_address)
    response, correlation_id = await client.call(ping_url(base_url), SOAP_ACTION, envelope, tag)
    answer = child(response.body, NAMESPACE, "PingForConfigurationResponse")
    if answer is None:
        raise InvalidResponse(
            "the answer holds no PingForConfigurationResponse",
            "The endpoint answered for another contract; check base_url.",
        )
    return PingAnswer(
        version=path_text(answer, NAMESPACE, "version"),
        ping_time=path_text(answer, NAMESPACE, "pingDateTime"),
        elapsed_ms=response.elapsed_ms,
        correlation_id=correlation_id,
    )
