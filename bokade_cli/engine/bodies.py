"""Read an answer's body under a size cap, decompressing it here so a gzip bomb stops at the cap."""

from __future__ import annotations

import zlib
from typing import Any

import httpx

from bokade_cli.errors import InvalidResponse
from bokade_cli.quoting import quote

ACCEPT_ENCODING = "gzip, deflate"  # what we can decompress with a bound; nothing else is asked for


async def read_capped(resp: httpx.Response, cap: int) -> bytes:
    """The decoded body, refused once it passes `cap` bytes.

    NOTE: httpx decompresses each network chunk whole, so 64 kB of gzip could become 60 MB in
    memory before any cap is checked. Reading raw and decompressing with `max_length` keeps
    memory at the cap whatever the compression ratio.
    """
    decompressor = _decompressor(_content_encoding(resp))
    body = bytearray()
    async for chunk in resp.aiter_raw():
        if decompressor is None:
            body += chunk
        else:
            try:
                # Never more than one byte past the cap: enough to know it was passed.
                body += decompressor.decompress(chunk, cap + 1 - len(body))
            except zlib.error as exc:
                raise InvalidResponse(
                    f"the compressed response is corrupt ({exc})",
                    "Report it to the platform with the correlation id.",
                ) from None
        if len(body) > cap:
            raise InvalidResponse(
                f"the response is larger than {cap:,} bytes",
                "Raise max_response_bytes in the profile if such answers are expected.",
            )
    return bytes(body)


def _content_encoding(resp: httpx.Response) -> str:
    """The Content-Encoding header(s) as UTF-8, an undecodable byte as U+FFFD.

    NOTE: httpx decodes all of an answer's headers as Latin-1 once any one is not UTF-8; a
    number split by a zero-width space then reads as digits around "â\x80\x8b", a letter the
    masking cannot see through. U+FFFD, like the real character, is a separator to it.
    """
    values = [value for name, value in resp.headers.raw if name.lower() == b"content-encoding"]
    return b", ".join(values).decode("utf-8", "replace")


def _decompressor(header: str) -> Any:
    encodings = [e.strip().lower() for e in header.split(",") if e.strip()]
    if encodings in ([], ["identity"]):
        return None
    if encodings in (["gzip"], ["x-gzip"]):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encodings == ["deflate"]:
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # a zlib or gzip header, detected
    raise InvalidResponse(
        f"the response uses Content-Encoding {quote(header)}, which was not asked for",
        "The platform should answer with gzip, deflate or no encoding.",
    )
