"""What a setting's value may be: base_url, the proxy, a contract's path, an HSA-id or logical address.

Each check returns what is wrong in one phrase, quoting the value plainly (bokade_cli.quoting)
and never a secret (URLs are redacted), or None; config.py names the file, key, variable or
flag in front of it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bokade_cli.controls import kinds_of
from bokade_cli.quoting import quote

URL_HINT = (
    "Write base_url as http(s)://host[:port][/path]; the platform authenticates with the client "
    "certificate ([tls]), never with a password in the URL."
)


_UNPARSABLE = "(an unparsable URL)"


def redact_url(url: str) -> str:
    """A URL fit for messages: user information, query and fragment replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _UNPARSABLE
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = "***@" + netloc
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else netloc + parts.path
    if parts.query:
        shown += "?***"
    if parts.fragment:
        shown += "#***"
    return shown


def _shown_url(url: str) -> str:
    """The URL for a problem message: redacted, in plain quotes (no repr: see quoting.py)."""
    redacted = redact_url(url)
    return redacted if redacted == _UNPARSABLE else quote(redacted, 200)


def url_problem(url: str) -> str | None:
    """What makes `url` unusable as base_url (SPEC §5), never echoing a secret; None if fine."""
    shown = _shown_url(url)
    if unseen := _unseen(url):
        return f"{shown} holds {unseen}"
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for 99999, -1 or "19999:80"
    except ValueError as exc:
        why = "an invalid port" if "port" in str(exc).lower() else "not a valid URL"
        return f"{shown} has {why}" if why.startswith("an") else f"{shown} is {why}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{shown} must start with http:// or https://"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return (
            f"{shown} holds user information (user:password@); it would end up in logs and captures"
        )
    if parts.query or "?" in url:
        return f"{shown} holds a query (?...); paths would be appended to it"
    if parts.fragment or "#" in url:
        return f"{shown} holds a fragment (#...); paths would be appended to it"
    host = parts.hostname
    if not host:
        return f"{shown} names no host"
    if port == 0:
        return f"{shown} has port 0"
    import httpx  # its own parser decides what a call could use

    try:
        _ = httpx.URL(url).host  # the host is decoded (IDNA) only when asked for
    except Exception as exc:  # InvalidURL, and idna's errors, which are UnicodeErrors
        if isinstance(exc, UnicodeError) or "IDNA" in str(exc):
            return f"{shown} has a host name that is not valid (IDNA)"
        return f"{shown} is not a valid URL"
    return None


PROXY_HINT = (
    "Write proxy as http(s)://[user:password@]host:port, e.g. http://proxy.example.se:3128; "
    "environment variables such as HTTPS_PROXY are never used."
)


def proxy_problem(url: str) -> str | None:
    """What makes `url` unusable as the egress proxy, never echoing its credentials."""
    shown = _shown_url(url)
    if unseen := _unseen(url):
        return f"{shown} holds {unseen}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{shown} is not a valid URL (check the port)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{shown} must start with http:// or https://"
    if not parts.hostname:
        return f"{shown} names no host"
    if port == 0:
        return f"{shown} has port 0"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in url or "#" in url:
        return f"{shown} holds a path, query or fragment; a proxy is only scheme, host and port"
    return None


def path_problem(path: str) -> str | None:
    """What makes `path` unusable as a contract's path under base_url; None if fine."""
    shown = quote(path)
    if unseen := _unseen(path):
        return f"{shown} holds {unseen}"
    if "?" in path:
        return f"{shown} holds a query (?...); a path is only the part after base_url"
    if "#" in path:
        return f"{shown} holds a fragment (#...); a path is only the part after base_url"
    if "://" in path:
        return f"{shown} is a whole URL; a path is only the part after base_url"
    return None


ADDRESS_HINT = (
    "Give an HSA-id such as SE2321000016-A001 or a logical address such as 5565594230: "
    "ASCII letters, digits and - _ . : only."
)
# NOTE: both values go out verbatim: consumer_hsa_id as an HTTP header
# (x-rivta-original-serviceconsumer-hsaid), which takes ASCII only and ends at a line break
# (a header injection), and the logical address in the SOAP header that VP routes on. Real
# ones are "SE" + an organisation number + "-" + the unit's own id, or the bare organisation
# number; the check is looser than that (hsa.is_hsa_id) so that a test platform's own
# addresses still work, yet refuses anything that could not be an address at all.
_ADDRESS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
_ADDRESS_MAX = 64


def address_problem(value: str) -> str | None:
    """What makes `value` (stripped) no plausible HSA-id or logical address; None if fine."""
    shown = quote(value)
    if unseen := _unseen(value):
        return f"{shown} holds {unseen}"
    if not value.isascii():
        return f"{shown} holds a character outside ASCII"
    if len(value) > _ADDRESS_MAX:
        return f"{shown} is longer than {_ADDRESS_MAX} characters"
    if not _ADDRESS.fullmatch(value):
        return f"{shown} holds a character other than letters, digits and - _ . :"
    return None


def _unseen(text: str) -> str | None:
    """Line breaks, spaces, controls, invisible characters or undecodable bytes, named."""
    kinds = kinds_of(text)
    return " and ".join(kinds) if kinds else None
