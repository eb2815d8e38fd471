"""Read a client certificate's subject, issuer and validity from its PEM file, with the stdlib only.

`ssl` can load a certificate but only decodes the *peer's* (or a CA's) certificate; a client
certificate that is not a CA never comes back decoded through a public API. The fields smoke
needs sit at fixed places in the DER structure (RFC 5280 §4.1), so a small reader is enough,
and `cryptography` stays out of the runtime dependencies.

    Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
    TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature,
                                  issuer Name, validity SEQUENCE { notBefore, notAfter },
                                  subject Name, ... }
    Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY (a string) }
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bokade_cli.errors import ConfigError

_PEM = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----", re.ASCII
)
# The attribute types a SITHS function certificate uses; others print as dotted OIDs.
_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.42": "GN",
    "2.5.4.4": "SN",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}
_SEQUENCE, _UTC_TIME, _GENERALIZED_TIME = 0x30, 0x17, 0x18


@dataclass(frozen=True)
class CertInfo:
    subject: tuple[tuple[str, str], ...]  # (attribute, value) in certificate order
    issuer: tuple[tuple[str, str], ...]
    not_before: datetime  # UTC
    not_after: datetime  # UTC

    def _get(self, name: str) -> str | None:
        return next((value for key, value in self.subject if key == name), None)

    @property
    def serial_number(self) -> str | None:
        """The subject's serialNumber: in a SITHS function certificate, the consumer's HSA-id."""
        return self._get("serialNumber")

    @property
    def common_name(self) -> str | None:
        return self._get("CN")

    def days_left(self, now: datetime) -> int:
        """Whole days until notAfter (negative once expired)."""
        return (self.not_after - now).days


def format_name(name: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{key}={value}" for key, value in name) or "(empty)"


def read_certificate(path: Path) -> CertInfo:
    """The first certificate in a PEM file (a combined key+chain file works: the leaf is first)."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ConfigError(
            f"tls.cert_file: cannot read {path} ({exc.strerror})", "Check the file."
        ) from None
    match = _PEM.search(text)
    if match is None:
        raise ConfigError(
            f"tls.cert_file: {path} holds no PEM certificate", "Point tls.cert_file at a PEM file."
        )
    try:
        return parse_der(ssl.PEM_cert_to_DER_cert(match.group(0)))
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"tls.cert_file: {path} is not a readable X.509 certificate ({exc})",
            "Export the certificate again as PEM.",
        ) from None


def parse_der(der: bytes) -> CertInfo:
    """Subject, issuer and validity of a DER certificate; ValueError when the structure is off."""
    certificate = _children(der, _expect(der, 0, _SEQUENCE))
    tbs = _children(der, _expect(der, certificate[0][1], _SEQUENCE))
    fields = tbs[1:] if tbs[0][0] == 0xA0 else tbs  # [0] version is optional (v1)
    _serial, _algorithm, issuer, validity, subject = fields[:5]
    times = _children(der, validity)
    return CertInfo(
        subject=_name(der, subject),
        issuer=_name(der, issuer),
        not_before=_time(der, times[0]),
        not_after=_time(der, times[1]),
    )


# A TLV is (tag, start of the whole element, start of its content, end of its content).
_Tlv = tuple[int, int, int, int]


def _read(der: bytes, pos: int) -> _Tlv:
    tag, length = der[pos], der[pos + 1]
    content = pos + 2
    if length & 0x80:  # long form: the low bits say how many length bytes follow
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError(f"unsupported DER length at byte {pos}")
        length = int.from_bytes(der[content : content + count], "big")
        content += count
    end = content + length
    if end > len(der):
        raise ValueError(f"DER element at byte {pos} runs past the end")
    return tag, pos, content, end


def _expect(der: bytes, pos: int, tag: int) -> _Tlv:
    tlv = _read(der, pos)
    if tlv[0] != tag:
        raise ValueError(f"expected DER tag {tag:#04x} at byte {pos}, found {tlv[0]:#04x}")
    return tlv


def _children(der: bytes, tlv: _Tlv) -> list[_Tlv]:
    items, pos = [], tlv[2]
    while pos < tlv[3]:
        item = _read(der, pos)
        items.append(item)
        pos = item[3]
    return items


def _name(der: bytes, name: _Tlv) -> tuple[tuple[str, str], ...]:
    result = []
    for rdn in _children(der, name):
        for attribute in _children(der, rdn):
            oid, value = _children(der, attribute)[:2]
            dotted = _oid(der[oid[2] : oid[3]])
            key = _NAMES.get(dotted, dotted)
            result.append((key, _string(value[0], der[value[2] : value[3]])))
    return tuple(result)


def _oid(content: bytes) -> str:
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))


def _string(tag: int, content: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return content.decode("utf-16-be")
    if tag == 0x1C:  # UniversalString
        return content.decode("utf-32-be")
    # UTF8String, PrintableString, IA5String, and T61String read as Latin-1 by convention
    return content.decode("utf-8" if tag == 0x0C else "latin-1")


def _time(der: bytes, tlv: _Tlv) -> datetime:
    raw = der[tlv[2] : tlv[3]].decode("ascii").rstrip("Z")
    if tlv[0] == _UTC_TIME:
        year = int(raw[:2])
        raw = f"{1900 + year if year >= 50 else 2000 + year}{raw[2:]}"  # RFC 5280 §4.1.2.5.1
    elif tlv[0] != _GENERALIZED_TIME:
        raise ValueError(f"unexpected time tag {tlv[0]:#04x}")
    return datetime.strptime(raw[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
