"""Reading a response body under a cap on *decompressed* bytes (a gzip bomb is cut while it inflates)."""

from __future__ import annotations

import zlib

from applinks.errors import UnexpectedResponse

# What we ask remotes for; anything else they send is refused rather than decoded without a bound.
ACCEPT_ENCODING = "gzip, deflate"


class BoundedDecoder:
    """Feed raw chunks, get decoded bytes; raises ``UnexpectedResponse`` past ``limit`` decoded bytes."""

    def __init__(self, content_encoding: str | None, limit: int, url: str) -> None:
        self.limit = limit
        self.url = url
        self.size = 0
        self._chunks: list[bytes] = []
        encoding = (content_encoding or "identity").strip().lower()
        self._raw_deflate_fallback = encoding == "deflate"
        self._first = True
        if encoding in ("identity", ""):
            self._inflater: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise UnexpectedResponse(
                f"the response from {url} uses the content encoding {encoding!r}, which is not accepted", url=url
            )

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise UnexpectedResponse(
                f"the response from {self.url} is larger than {self.limit} bytes (after decompression); it was cut off",
                url=self.url,
                limit=self.limit,
            )
        if data:
            self._chunks.append(data)

    def feed(self, raw: bytes) -> None:
        if self._inflater is None:
            self._add(raw)
            return
        data = raw
        while data:
            try:
                # At most one byte more than the cap per step: the bomb never inflates beyond the limit.
                out = self._inflater.decompress(data, self.limit - self.size + 1)
            except zlib.error as exc:
                if self._first and self._raw_deflate_fallback:
                    # Some servers send raw deflate without the zlib header.
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise UnexpectedResponse(f"the compressed response from {self.url} is corrupt", url=self.url) from exc
            self._first = False
            self._add(out)
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                break

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._add(self._inflater.flush())
        return b"".join(self._chunks)
