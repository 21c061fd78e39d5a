"""The Trusted Applications v2 wire format: certificate text, raw RSA, RC4, error header."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher
from hypothesis import given, settings
from hypothesis import strategies as st

from applinks.auth.trusted_apps.protocol import (
    MAGIC,
    Code,
    PublishedCertificate,
    error_header,
    parse_certificate,
    parse_certificate_plaintext,
    public_key_b64,
    rc4,
    refused,
    rsa_private_raw,
    rsa_public_raw,
    trusted_application_id,
)
from applinks.errors import TrustedAppsRefused, UnexpectedResponse

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_magic_is_javas_string_of_0xbadc0fee() -> None:
    signed = 0xBADC0FEE - (1 << 32)
    assert str(signed) == MAGIC


def test_trusted_application_id_is_type_and_first_three_md5_bytes() -> None:
    digest = hashlib.md5(b"ABCD-EFGH-IJKL-MNOP").digest()  # noqa: S324 - the protocol fixes MD5
    expected = digest[0] << 16 | digest[1] << 8 | digest[2]
    assert trusted_application_id("confluence", "ABCD-EFGH-IJKL-MNOP") == f"confluence:{expected}"


def test_published_certificate_is_four_lines_without_trailing_newline() -> None:
    text = PublishedCertificate("jira:123456", public_key_b64(KEY.public_key()), 2).render()
    lines = text.split("\n")
    assert lines == ["jira:123456", public_key_b64(KEY.public_key()), "2", "-1159983122"]
    assert not text.endswith("\n")
    base64.b64decode(lines[1], validate=True)


def test_four_line_certificate_parses() -> None:
    key_text = public_key_b64(KEY.public_key())
    parsed = parse_certificate(f"jira:123456\n{key_text}\n2\n{MAGIC}")
    assert parsed.application_id == "jira:123456"
    assert parsed.protocol_version == 2
    assert parsed.public_key.public_numbers() == KEY.public_key().public_numbers()


def test_old_two_line_certificate_parses() -> None:
    key_text = public_key_b64(KEY.public_key())
    parsed = parse_certificate(f"confluence:42\r\n{key_text}\r\n")
    assert parsed.application_id == "confluence:42"
    assert parsed.protocol_version is None
    assert parsed.public_key_b64 == key_text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "only-one-line",
        "a:1\nb\nc",
        "a:1\nnot-base64!!\n2\n-1159983122",
        "a:1\n" + base64.b64encode(b"not a key").decode() + "\n2\n-1159983122",
        "a:1\n{key}\n2\n12345",
        "a:1\n{key}\nzwei\n-1159983122",
        " \n{key}",
    ],
)
def test_garbage_certificates_are_refused(text: str) -> None:
    with pytest.raises(UnexpectedResponse):
        parse_certificate(text.replace("{key}", public_key_b64(KEY.public_key())))


def test_raw_rsa_private_then_public_round_trips_and_is_left_padded() -> None:
    message = b"\x01" + bytes(range(15))
    encrypted = rsa_private_raw(KEY, message)
    assert len(encrypted) == 256
    n = KEY.public_key().public_numbers().n
    assert int.from_bytes(encrypted, "big") == pow(int.from_bytes(message, "big"), KEY.private_numbers().d, n)
    assert rsa_public_raw(KEY.public_key(), encrypted) == message


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=64).filter(lambda b: b[0] != 0))
def test_raw_rsa_round_trips_any_message_without_leading_zero(message: bytes) -> None:
    assert rsa_public_raw(KEY.public_key(), rsa_private_raw(KEY, message)) == message


def test_raw_rsa_with_another_key_does_not_give_the_message_back() -> None:
    encrypted = rsa_private_raw(OTHER, MAGIC.encode())
    try:
        decrypted = rsa_public_raw(KEY.public_key(), encrypted)
    except ValueError:
        return  # larger than this key's modulus: refused outright
    assert decrypted != MAGIC.encode()


def test_raw_rsa_refuses_leading_zero_and_oversized_input() -> None:
    with pytest.raises(ValueError):
        rsa_private_raw(KEY, b"\x00abc")
    with pytest.raises(ValueError):
        rsa_public_raw(KEY.public_key(), b"\xff" * 257)


def test_rc4_is_cryptographys_arc4() -> None:
    key = bytes(range(1, 17))
    expected = Cipher(ARC4(key), mode=None).encryptor().update(b"1700000000000\nalice\n-1159983122")
    assert rc4(key, b"1700000000000\nalice\n-1159983122") == expected
    assert rc4(key, expected) == b"1700000000000\nalice\n-1159983122"


def test_certificate_plaintext_needs_the_magic() -> None:
    assert parse_certificate_plaintext(f"17\nbob\n{MAGIC}".encode(), "a:1").username == "bob"
    for bad in (b"17\nbob\n-1", b"17\nbob", b"x\nbob\n-1159983122", b"\xff\xfe"):
        with pytest.raises(TrustedAppsRefused) as caught:
            parse_certificate_plaintext(bad, "a:1")
        assert caught.value.code == "BAD_MAGIC"


def test_error_header_format() -> None:
    error = refused(Code.BAD_MAGIC, "secret key", "me")
    assert (
        error_header(error) == 'BAD_MAGIC;\tUnable to decrypt certificate {0} for application {1};\t["secret key","me"]'
    )
    assert error.message == "Unable to decrypt certificate secret key for application me"


def test_error_header_escapes_remote_controlled_text() -> None:
    header = error_header(refused(Code.USER_UNKNOWN, 'eve\r\nX-Injected: 1 "ü"'))
    assert "\r" not in header and "\n" not in header
    assert header.isascii()
    assert header.endswith('["eve\\r\\nX-Injected: 1 \\"\\u00fc\\""]')


def test_error_parameters_are_shortened() -> None:
    error = refused(Code.USER_UNKNOWN, "x" * 5000)
    assert len(error.params[0]) == 200
