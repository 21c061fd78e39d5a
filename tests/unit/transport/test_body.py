"""Reading a body under a cap on decoded bytes: plain, gzip, deflate; bombs cut while they inflate."""

from __future__ import annotations

import gzip
import zlib

import pytest

from applinks.errors import UnexpectedResponse
from applinks.transport.body import BoundedDecoder


def _decode(encoding: str | None, raw: bytes, limit: int, chunk: int = 4096) -> bytes:
    decoder = BoundedDecoder(encoding, limit, "http://remote.test/x")
    for start in range(0, len(raw), chunk):
        decoder.feed(raw[start : start + chunk])
    return decoder.finish()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate without the zlib header
    ],
)
def test_encodings_decode_within_the_limit(encoding: str | None, encode: object) -> None:
    body = b"hello world " * 1000
    assert callable(encode)
    assert _decode(encoding, encode(body), limit=len(body)) == body


@pytest.mark.parametrize("encoding", [None, "gzip", "deflate"])
def test_one_byte_over_the_limit_is_refused(encoding: str | None) -> None:
    body = b"x" * 10_001
    raw = {None: body, "gzip": gzip.compress(body), "deflate": zlib.compress(body)}[encoding]
    with pytest.raises(UnexpectedResponse) as refused:
        _decode(encoding, raw, limit=10_000)
    assert "larger than 10000 bytes" in refused.value.message


def test_a_gzip_bomb_never_inflates_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB in ~200 KB
    assert len(bomb) < 300_000
    decoder = BoundedDecoder("gzip", 1_000_000, "http://remote.test/bomb")
    largest = 0
    original = decoder._add

    def watch(data: bytes) -> None:
        nonlocal largest
        largest = max(largest, len(data))
        original(data)

    monkeypatch.setattr(decoder, "_add", watch)
    with pytest.raises(UnexpectedResponse):
        decoder.feed(bomb)
    assert largest <= 1_000_001
    assert decoder.size <= 1_000_001


def test_corrupt_and_unknown_encodings_are_refused() -> None:
    with pytest.raises(UnexpectedResponse, match="corrupt"):
        _decode("gzip", b"this is not gzip at all", limit=1000)
    with pytest.raises(UnexpectedResponse, match="content encoding 'br'"):
        BoundedDecoder("br", 1000, "http://remote.test/")
