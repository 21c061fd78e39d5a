"""TLS on outbound calls: verification on by default, a configurable CA bundle, and the right diagnostic type
for an untrusted chain, a wrong host name and an expired certificate. A throwaway CA is made in the test; the
TLS server listens on loopback and a fake resolver maps the names to it."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from applinks.errors import RemoteUnreachable
from applinks.transport.client import AsyncOutboundClient, OutboundClient, TransportOptions

NAME = "remote.test"
NOW = dt.datetime.now(dt.UTC)


@dataclass
class Authority:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(common_name: str) -> Authority:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, cert)


def issue(ca: Authority, host: str, *, expired: bool = False) -> tuple[bytes, bytes]:
    """A server certificate for ``host`` (PEM certificate, PEM key)."""
    key = _key()
    start, end = (
        (NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1))
        if expired
        else (
            NOW - dt.timedelta(days=1),
            NOW + dt.timedelta(days=10),
        )
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class TlsServer:
    """Answers every request with 200 "secure" over TLS with the given certificate."""

    def __init__(self, cert: bytes, key: bytes, workdir: Path) -> None:
        cert_file, key_file = workdir / "server.crt", workdir / "server.key"
        cert_file.write_bytes(cert)
        key_file.write_bytes(key)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.handled = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                raw, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._one, args=(raw,), daemon=True).start()

    def _one(self, raw: socket.socket) -> None:
        raw.settimeout(5)
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                self.handled += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
        except (OSError, ssl.SSLError):
            raw.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def ca() -> Authority:
    return make_ca("applinks test CA")


@pytest.fixture
def bundle(ca: Authority, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_bytes(ca.pem())
    return str(path)


@contextmanager
def _server(tmp_path: Path, cert_and_key: tuple[bytes, bytes]) -> Iterator[TlsServer]:
    server = TlsServer(*cert_and_key, tmp_path)
    try:
        yield server
    finally:
        server.stop()


def _resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def _get(port: int, *, ca_bundle: str | None, verify: bool = True, asynchronous: bool = False) -> str:
    options = TransportOptions(ca_bundle=ca_bundle, verify=verify, connect_timeout=5, read_timeout=5)
    url = f"https://{NAME}:{port}/rest/applinks/1.0/manifest"
    if asynchronous:

        async def go() -> str:
            client = AsyncOutboundClient(options, resolver=_resolver)
            try:
                return (await client.get(url)).text
            finally:
                await client.aclose()

        return asyncio.run(go())
    client = OutboundClient(options, resolver=_resolver)
    try:
        return client.get(url).text
    finally:
        client.close()


@pytest.mark.parametrize("asynchronous", [False, True])
def test_with_the_ca_bundle_a_valid_certificate_is_accepted(
    ca: Authority, bundle: str, tmp_path: Path, asynchronous: bool
) -> None:
    with _server(tmp_path, issue(ca, NAME)) as server:
        assert _get(server.port, ca_bundle=bundle, asynchronous=asynchronous) == "secure"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_verification_is_on_by_default_an_unknown_ca_is_untrusted(
    ca: Authority, tmp_path: Path, asynchronous: bool
) -> None:
    with _server(tmp_path, issue(ca, NAME)) as server:
        with pytest.raises(RemoteUnreachable) as refused:
            _get(server.port, ca_bundle=None, asynchronous=asynchronous)
        assert refused.value.kind == "SSL_UNTRUSTED"
        assert server.handled == 0


def test_a_certificate_from_another_ca_is_untrusted_even_with_a_bundle(bundle: str, tmp_path: Path) -> None:
    with _server(tmp_path, issue(make_ca("someone else"), NAME)) as server:
        with pytest.raises(RemoteUnreachable) as refused:
            _get(server.port, ca_bundle=bundle)
        assert refused.value.kind == "SSL_UNTRUSTED"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_certificate_for_another_name_is_hostname_unmatched(
    ca: Authority, bundle: str, tmp_path: Path, asynchronous: bool
) -> None:
    with _server(tmp_path, issue(ca, "other.test")) as server:
        with pytest.raises(RemoteUnreachable) as refused:
            _get(server.port, ca_bundle=bundle, asynchronous=asynchronous)
        assert refused.value.kind == "SSL_HOSTNAME_UNMATCHED"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_expired_certificate_is_ssl_unmatched(
    ca: Authority, bundle: str, tmp_path: Path, asynchronous: bool
) -> None:
    with _server(tmp_path, issue(ca, NAME, expired=True)) as server:
        with pytest.raises(RemoteUnreachable) as refused:
            _get(server.port, ca_bundle=bundle, asynchronous=asynchronous)
        assert refused.value.kind == "SSL_UNMATCHED"
        assert "expired" in refused.value.message


def test_a_verified_and_an_unverified_client_never_share_a_connection(ca: Authority, tmp_path: Path) -> None:
    options = TransportOptions(connect_timeout=5, read_timeout=5)
    url_of = f"https://{NAME}:{{}}/"
    with _server(tmp_path, issue(ca, NAME)) as server:
        url = url_of.format(server.port)
        unverified = OutboundClient(
            TransportOptions(verify=False, connect_timeout=5, read_timeout=5), resolver=_resolver
        )
        verified = OutboundClient(options, resolver=_resolver)
        try:
            assert unverified.get(url).text == "secure"  # leaves a pooled, unverified connection behind
            with pytest.raises(RemoteUnreachable) as refused:
                verified.get(url)
            assert refused.value.kind == "SSL_UNTRUSTED"
            assert unverified.get(url).text == "secure"
        finally:
            unverified.close()
            verified.close()
        assert server.handled == 2


def test_the_ca_bundle_setting_reaches_the_client(ca: Authority, bundle: str, tmp_path: Path) -> None:
    from applinks.settings import Settings

    options = TransportOptions.from_settings(Settings(data_dir=tmp_path, ca_bundle=Path(bundle)))
    assert options.ca_bundle == bundle and options.verify
    with _server(tmp_path, issue(ca, NAME)) as server:
        client = OutboundClient(options, resolver=_resolver)
        try:
            assert client.get(f"https://{NAME}:{server.port}/").text == "secure"
        finally:
            client.close()
